import type { EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import { ChannelEntity } from "./channel-entity.js";
import { TenantEntity } from "./tenant-entity.js";
import { WorkspaceEntity } from "./workspace-entity.js";

// Every function runs inside db.withTenant: row-level security already limits it to one tenant.

export function findTenant(em: EntityManager, tenantId: string): Promise<TenantEntity | null> {
  return em.findOne(TenantEntity, { id: tenantId });
}

/** The tenant row, locked until commit: serialises plan-limit checks of concurrent creates. */
export function lockTenant(em: EntityManager, tenantId: string): Promise<TenantEntity | null> {
  return em.findOne(TenantEntity, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function countWorkspaces(em: EntityManager): Promise<number> {
  return em.count(WorkspaceEntity, {});
}

export function countChannels(em: EntityManager): Promise<number> {
  return em.count(ChannelEntity, {});
}
