import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound, unavailable } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

export interface WorkspaceInfo {
  tenantId: string;
  /** Default language of the workspace's assistants (may be empty). */
  defaultLanguage: string;
}

/** Which tenant owns a workspace (asked of the tenant service, remembered: it never changes). */
export interface WorkspaceDirectory {
  lookup(workspaceId: string, options?: CallOptions): Promise<WorkspaceInfo>;
}

export function createWorkspaceDirectory(deps: {
  tenants: Pick<Client<typeof TenantService>, "getWorkspace">;
  /** Entries kept; the oldest is dropped beyond it. Default 10 000. */
  maxEntries?: number;
}): WorkspaceDirectory {
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, WorkspaceInfo>();

  return {
    async lookup(workspaceId, options) {
      const cached = cache.get(workspaceId);
      if (cached !== undefined) return cached;
      let info: WorkspaceInfo;
      try {
        const res = await deps.tenants.getWorkspace({ workspaceId }, options);
        const ws = res.workspace;
        if (ws === undefined || ws.tenantId === "") throw notFound("workspace", workspaceId);
        info = { tenantId: ws.tenantId, defaultLanguage: ws.defaultLanguage };
      } catch (err) {
        throw translate(err, workspaceId);
      }
      // The tenant of a workspace is fixed; the language may change, but it only seeds new assistants.
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(workspaceId, info);
      return info;
    },
  };
}

function translate(err: unknown, workspaceId: string): ConnectError {
  const e = ConnectError.from(err);
  if (e.code === Code.NotFound) return notFound("workspace", workspaceId);
  if (e.code === Code.InvalidArgument) return e;
  // Anything else is the tenant service's trouble, not the caller's: they may retry.
  return unavailable("workspace lookup failed; retry later");
}
