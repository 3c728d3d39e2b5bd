import type { Db } from "@atendo/db";
import type { TenantStatusName } from "../domain/enums.js";
import { createBoundedCache } from "./bounded-cache.js";

/**
 * Questions asked before the tenant is known, answered by the SECURITY DEFINER functions of the
 * schema (ids only). Ownership never changes, so answers are cached in memory.
 */
export interface Lookups {
  tenantOfWorkspace(workspaceId: string): Promise<string | undefined>;
  tenantOfChannel(channelId: string): Promise<string | undefined>;
  channelOfSiteKey(siteKey: string): Promise<{ tenantId: string; channelId: string } | undefined>;
  /** A page of tenant ids, newest first, strictly before `before`. */
  listTenantIds(filter: {
    before: string | undefined;
    status: TenantStatusName | undefined;
    query: string;
    limit: number;
  }): Promise<string[]>;
  /** Records an ownership this process just created. */
  rememberWorkspace(workspaceId: string, tenantId: string): void;
  rememberChannel(channelId: string, tenantId: string): void;
}

const CACHE_SIZE = 10_000;

export function createLookups(db: Db): Lookups {
  const workspaces = createBoundedCache<string>(CACHE_SIZE);
  const channels = createBoundedCache<string>(CACHE_SIZE);
  const siteKeys = createBoundedCache<{ tenantId: string; channelId: string }>(CACHE_SIZE);

  const scalar = (sql: string, param: string) =>
    db.withoutTenant(async (em) => {
      const rows = await em.execute<Array<{ id: string | null }>>(sql, [param], "all");
      return rows[0]?.id ?? undefined;
    });

  return {
    async tenantOfWorkspace(workspaceId) {
      const cached = workspaces.get(workspaceId);
      if (cached !== undefined) return cached;
      const tenantId = await scalar("select tenant.tenant_of_workspace(?::uuid) as id", workspaceId);
      if (tenantId !== undefined) workspaces.set(workspaceId, tenantId);
      return tenantId;
    },
    async tenantOfChannel(channelId) {
      const cached = channels.get(channelId);
      if (cached !== undefined) return cached;
      const tenantId = await scalar("select tenant.tenant_of_channel(?::uuid) as id", channelId);
      if (tenantId !== undefined) channels.set(channelId, tenantId);
      return tenantId;
    },
    async channelOfSiteKey(siteKey) {
      const cached = siteKeys.get(siteKey);
      if (cached !== undefined) return cached;
      const row = await db.withoutTenant(async (em) => {
        const rows = await em.execute<Array<{ tenant_id: string; channel_id: string }>>(
          "select tenant_id, channel_id from tenant.channel_of_site_key(?)",
          [siteKey],
          "all",
        );
        return rows[0];
      });
      if (row === undefined) return undefined;
      const found = { tenantId: row.tenant_id, channelId: row.channel_id };
      siteKeys.set(siteKey, found);
      channels.set(found.channelId, found.tenantId);
      return found;
    },
    listTenantIds({ before, status, query, limit }) {
      return db.withoutTenant(async (em) => {
        const rows = await em.execute<Array<{ id: string }>>(
          "select id from tenant.list_tenant_ids(?::uuid, ?, ?, ?) as id",
          [before ?? null, status ?? null, query === "" ? null : query, limit],
          "all",
        );
        return rows.map((r) => r.id);
      });
    },
    rememberWorkspace: (workspaceId, tenantId) => workspaces.set(workspaceId, tenantId),
    rememberChannel: (channelId, tenantId) => channels.set(channelId, tenantId),
  };
}
