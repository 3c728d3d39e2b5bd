import { type Bus, type Consumer, PermanentError } from "@atendo/bus";
import { createInbox, type Db, isUuid, newId } from "@atendo/db";
import { AuditRecordedSchema } from "@atendo/proto/audit/v1";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { actorKindFromProto } from "../domain/audit-view.js";
import { recordAudit } from "../store/audit-log.js";
import { AuditRow } from "../store/audit-row.js";

export const AUDIT_RECORDED_DURABLE = "tenant-audit_recorded";

/** A summary as sent ("" = none); text that is not JSON is kept as a JSON string rather than lost. */
function summary(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Stores the audit entries other services publish on the shared audit stream in the tenant's audit
 * log, once per event (the inbox row and the entry commit together).
 */
export async function consumeAuditRecorded(deps: { bus: Bus; db: Db; schema: string }): Promise<Consumer> {
  const inbox = createInbox(deps.schema);
  await deps.bus.ensureStream({ domain: "audit" });
  return deps.bus.consume({
    durable: AUDIT_RECORDED_DURABLE,
    schema: AuditRecordedSchema,
    concurrency: 4,
    maxDeliver: 10,
    handler: async (event, ctx) => {
      const { meta } = ctx;
      const entry = event.entry;
      if (!isUuid(meta.tenantId)) throw new PermanentError("the event has no valid tenant id");
      if (entry === undefined || entry.action === "" || entry.targetType === "") {
        throw new PermanentError("the event carries no audit entry (action and target type are required)");
      }
      if (entry.tenantId !== "" && entry.tenantId !== meta.tenantId) {
        throw new PermanentError("the entry's tenant differs from the event's");
      }
      const occurredAt = entry.occurredAt ?? meta.occurredAt;
      const { duplicate } = await deps.db.withTenant(meta.tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId: meta.tenantId, consumer: AUDIT_RECORDED_DURABLE, eventId: meta.eventId },
          async () => {
            const id = isUuid(entry.id) ? entry.id : newId();
            // The same entry republished under another event id is still one entry.
            if ((await em.findOne(AuditRow, { id })) !== null) return [];
            recordAudit(
              em,
              {
                tenantId: meta.tenantId,
                actor: {
                  kind: actorKindFromProto(entry.actor?.kind ?? 0),
                  id: entry.actor?.id ?? "",
                  name: entry.actor?.displayName ?? "",
                },
                correlationId: entry.correlationId || meta.correlationId,
              },
              {
                action: entry.action,
                targetType: entry.targetType,
                targetId: entry.targetId,
                workspaceId: [entry.workspaceId, meta.workspaceId].find((id) => isUuid(id)),
                before: summary(entry.beforeSummary),
                after: summary(entry.afterSummary),
              },
              {
                id,
                occurredAt: occurredAt === undefined ? new Date() : timestampDate(occurredAt),
              },
            );
            return [];
          },
        ),
      );
      ctx.logger.debug(
        { action: entry.action, duplicate },
        duplicate ? "assistant audit entry already stored" : "assistant audit entry stored",
      );
    },
  });
}
