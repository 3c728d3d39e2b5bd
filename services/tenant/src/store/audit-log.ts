import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import type { AuditChange, AuditContext } from "../domain/audit.js";
import { AuditEntity } from "./audit-entity.js";

/**
 * Adds an entry in the caller's transaction: the change and its record commit together. `at` keeps
 * the id and time of an entry recorded elsewhere (the assistant service's).
 */
export function recordAudit(
  em: EntityManager,
  context: AuditContext,
  change: AuditChange,
  at: { id: string; occurredAt: Date } = { id: newId(), occurredAt: new Date() },
): AuditEntity {
  return em.create(AuditEntity, {
    id: at.id,
    tenantId: context.tenantId,
    workspaceId: change.workspaceId ?? null,
    actorKind: context.actor.kind,
    actorId: context.actor.id,
    actorName: context.actor.name,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    before: change.before ?? null,
    after: change.after ?? null,
    occurredAt: at.occurredAt,
    correlationId: context.correlationId,
  });
}

export interface AuditFilter {
  workspaceId: string | undefined;
  /** Only entries of one of these workspaces (tenant-wide entries excluded); undefined: all. */
  workspaceIds?: string[] | undefined;
  actorId: string | undefined;
  /** Exact action, or a prefix ending in "." */
  action: string | undefined;
  targetId: string | undefined;
  from: Date | undefined;
  to: Date | undefined;
  /** Continue with entries older than this id (ids are time-ordered UUIDv7). */
  before: string | undefined;
}

/** Newest first. */
export function listAudit(em: EntityManager, f: AuditFilter, limit: number): Promise<AuditEntity[]> {
  return em.find(
    AuditEntity,
    {
      ...(f.workspaceId === undefined
        ? f.workspaceIds === undefined
          ? {}
          : { workspaceId: { $in: f.workspaceIds } }
        : { workspaceId: f.workspaceId }),
      ...(f.actorId === undefined ? {} : { actorId: f.actorId }),
      ...(f.action === undefined
        ? {}
        : f.action.endsWith(".")
          ? { action: { $like: `${f.action.replace(/[\\%_]/g, "\\$&")}%` } }
          : { action: f.action }),
      ...(f.targetId === undefined ? {} : { targetId: f.targetId }),
      ...(f.from === undefined && f.to === undefined
        ? {}
        : {
            occurredAt: {
              ...(f.from === undefined ? {} : { $gte: f.from }),
              ...(f.to === undefined ? {} : { $lt: f.to }),
            },
          }),
      ...(f.before === undefined ? {} : { id: { $lt: f.before } }),
    },
    { orderBy: { id: "desc" }, limit },
  );
}
