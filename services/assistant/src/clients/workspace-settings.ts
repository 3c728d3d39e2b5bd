import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound, unavailable } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** Settings of a workspace that seed new assistants (the tenant service owns workspaces). */
export interface WorkspaceSettings {
  /** The workspace's default language (may be empty). */
  defaultLanguage(workspaceId: string, options?: CallOptions): Promise<string>;
}

export function createWorkspaceSettings(deps: {
  tenants: Pick<Client<typeof TenantService>, "getWorkspace">;
}): WorkspaceSettings {
  return {
    async defaultLanguage(workspaceId, options) {
      try {
        const res = await deps.tenants.getWorkspace({ workspaceId }, options);
        return res.workspace?.defaultLanguage ?? "";
      } catch (err) {
        const e = ConnectError.from(err);
        if (e.code === Code.NotFound) throw notFound("workspace", workspaceId);
        if (e.code === Code.Unavailable || e.code === Code.DeadlineExceeded) {
          throw unavailable("workspace lookup failed; retry later");
        }
        // Refused or malformed: our own credentials or request are wrong, not the caller's.
        throw new Error(`workspace lookup refused (${Code[e.code]})`, { cause: err });
      }
    },
  };
}
