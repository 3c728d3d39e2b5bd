import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { type AuditRecorded, AuditRecordedSchema } from "@atendo/proto/audit/v1";
import { type Actor, AuditEntrySchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

/** One change for the tenant's audit log. */
export interface AuditChange {
  /** `<object>.<verb>`, e.g. "assistant.update". */
  action: string;
  targetType: string;
  targetId: string;
  /** Summary before the change; undefined for creations. */
  before?: unknown;
  /** Summary after the change; undefined for deletions. */
  after?: unknown;
}

const json = (summary: unknown): string => (summary === undefined ? "" : JSON.stringify(summary));

/** AuditRecorded for one change made by `actor` in a workspace; the tenant service stores it. */
export function auditRecorded(init: {
  tenantId: string;
  workspaceId: string;
  actor: Actor;
  correlationId: string;
  change: AuditChange;
}): AuditRecorded {
  const meta = newEventMeta({
    tenantId: init.tenantId,
    workspaceId: init.workspaceId,
    correlationId: init.correlationId,
    actor: init.actor,
  });
  return create(AuditRecordedSchema, {
    meta,
    entry: create(AuditEntrySchema, {
      // Its own id: a redelivered event (same entry, new event id) is still one entry.
      id: newId(),
      tenantId: init.tenantId,
      workspaceId: init.workspaceId,
      actor: init.actor,
      action: init.change.action,
      targetType: init.change.targetType,
      targetId: init.change.targetId,
      beforeSummary: json(init.change.before),
      afterSummary: json(init.change.after),
      ...(meta.occurredAt === undefined ? {} : { occurredAt: meta.occurredAt }),
      correlationId: init.correlationId,
    }),
  });
}
