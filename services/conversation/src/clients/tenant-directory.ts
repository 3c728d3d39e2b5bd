import type { TenantService } from "@atendo/proto/tenant/v1";
import { notFound } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** The slice of the tenant service this service uses. */
export type TenantClient = Pick<Client<typeof TenantService>, "getWorkspace">;

export interface TenantDirectory {
  /** The tenant owning a workspace; not_found when the tenant service knows no such workspace. */
  tenantOf(workspaceId: string, options?: CallOptions): Promise<string>;
}

/**
 * Workspace -> tenant through TenantService.GetWorkspace, cached in memory: a workspace never
 * changes tenant, so entries never go stale (the map is bounded, oldest entries leave first).
 */
export function createTenantDirectory(deps: { tenants: TenantClient; maxEntries?: number }): TenantDirectory {
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, string>();

  async function lookUp(workspaceId: string, options: CallOptions | undefined): Promise<string> {
    try {
      const res = await deps.tenants.getWorkspace({ workspaceId }, options);
      const tenantId = res.workspace?.tenantId ?? "";
      if (tenantId === "") throw notFound("workspace", workspaceId);
      if (cache.size >= maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(workspaceId, tenantId);
      return tenantId;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) throw notFound("workspace", workspaceId);
      throw err;
    }
  }

  return {
    tenantOf(workspaceId, options) {
      const cached = cache.get(workspaceId);
      if (cached !== undefined) return Promise.resolve(cached);
      return lookUp(workspaceId, options);
    },
  };
}
