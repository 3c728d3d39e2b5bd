import type { TenantService } from "@atendo/proto/tenant/v1";
import type { CallOptions, Client } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";

/** Which tenant owns a workspace (public RPCs receive only the workspace id). */
export interface WorkspaceDirectory {
  /** The owning tenant, or undefined when the tenant service does not know the workspace. */
  tenantOf(workspaceId: string, options?: CallOptions): Promise<string | undefined>;
}

// A workspace never changes tenant, so entries never go stale; the bound only caps memory.
const MAX_ENTRIES = 10_000;

export function createWorkspaceDirectory(deps: { client: Client<typeof TenantService> }): WorkspaceDirectory {
  const tenants = new Map<string, string>();
  return {
    async tenantOf(workspaceId, options) {
      const known = tenants.get(workspaceId);
      if (known !== undefined) return known;
      try {
        const res = await deps.client.getWorkspace({ workspaceId }, options);
        const tenantId = res.workspace?.tenantId;
        if (tenantId === undefined || tenantId === "") return undefined;
        if (tenants.size >= MAX_ENTRIES) tenants.clear();
        tenants.set(workspaceId, tenantId);
        return tenantId;
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.NotFound) return undefined;
        throw err;
      }
    },
  };
}
