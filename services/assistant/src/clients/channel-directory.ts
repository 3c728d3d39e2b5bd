import type { ChannelService } from "@atendo/proto/tenant/v1";
import { notFound, unavailable } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** Checks that a channel exists in a workspace (the tenant service owns channels). */
export interface ChannelDirectory {
  /**
   * Resolves when the channel belongs to the workspace; not_found otherwise. Called with the
   * caller's credential, so the caller's own refusal (permission_denied, unauthenticated) passes on.
   */
  assertInWorkspace(workspaceId: string, channelId: string, options?: CallOptions): Promise<void>;
}

const PASSED_ON = new Set([Code.InvalidArgument, Code.PermissionDenied, Code.Unauthenticated]);

export function createChannelDirectory(deps: {
  channels: Pick<Client<typeof ChannelService>, "getChannel">;
}): ChannelDirectory {
  return {
    async assertInWorkspace(workspaceId, channelId, options) {
      let found: string | undefined;
      try {
        const res = await deps.channels.getChannel({ workspaceId, channelId }, options);
        found = res.channel?.workspaceId;
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code === Code.NotFound) throw notFound("channel", channelId);
        if (PASSED_ON.has(e.code)) throw e;
        throw unavailable("channel lookup failed; retry later");
      }
      if (found !== workspaceId) throw notFound("channel", channelId);
    },
  };
}
