import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** One entry of a tenant's audit log (append-only for the service role). */
export const AuditEntity = defineEntity({
  name: "AuditEntity",
  tableName: "audit_log",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid().nullable(),
    actorKind: p.text(),
    actorId: p.text(),
    actorName: p.text(),
    action: p.text(),
    targetType: p.text(),
    targetId: p.text(),
    before: p.json<unknown>().nullable(),
    after: p.json<unknown>().nullable(),
    occurredAt: p.datetime(),
    correlationId: p.text(),
  },
});
export type AuditEntity = InferEntity<typeof AuditEntity>;
