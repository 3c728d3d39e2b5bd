import type { EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import { ChannelRow } from "./channel-row.js";
import { TenantRow } from "./tenant-row.js";
import { WorkspaceRow } from "./workspace-row.js";

// Every function runs inside db.withTenant: row-level security already limits it to one tenant.

export function findTenant(em: EntityManager, tenantId: string): Promise<TenantRow | null> {
  return em.findOne(TenantRow, { id: tenantId });
}

/** The tenant row, locked until commit: serialises plan-limit checks of concurrent creates. */
export function lockTenant(em: EntityManager, tenantId: string): Promise<TenantRow | null> {
  return em.findOne(TenantRow, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function countWorkspaces(em: EntityManager): Promise<number> {
  return em.count(WorkspaceRow, {});
}

export function countChannels(em: EntityManager): Promise<number> {
  return em.count(ChannelRow, {});
}
