import type { ChannelService } from "@atendo/proto/tenant/v1";
import { notFound, unavailable } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** Checks that a channel exists in a workspace (the tenant service owns channels). */
export interface ChannelDirectory {
  /** Resolves when the channel belongs to the workspace; not_found otherwise. */
  assertInWorkspace(workspaceId: string, channelId: string, options?: CallOptions): Promise<void>;
}

export function createChannelDirectory(deps: {
  channels: Pick<Client<typeof ChannelService>, "getChannel">;
}): ChannelDirectory {
  return {
    async assertInWorkspace(workspaceId, channelId, options) {
      try {
        const res = await deps.channels.getChannel({ workspaceId, channelId }, options);
        if (res.channel?.workspaceId !== workspaceId) throw notFound("channel", channelId);
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code === Code.NotFound) throw notFound("channel", channelId);
        if (e.code === Code.InvalidArgument) throw e;
        throw unavailable("channel lookup failed; retry later");
      }
    },
  };
}
