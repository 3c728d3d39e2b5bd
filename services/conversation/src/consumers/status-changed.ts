import type { Bus, Consumer, EventContext } from "@atendo/bus";
import type { Db, Inbox } from "@atendo/db";
import { type StatusChanged, StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { messageStatusFromProto } from "../domain/enums.js";
import { applyStatus, type StatusOutcome } from "../store/status-store.js";
import { hopelessAsPermanent, reject, requireUuid } from "./event-errors.js";

export const STATUS_CHANGED_DURABLE = "conversation-status_changed";

export interface StatusChangedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  concurrency?: number;
  maxDeliver?: number;
}

/** delivery.v1.StatusChanged: moves the outbound message's status forward (reports arrive out of order). */
export function createStatusChangedHandler(deps: StatusChangedDeps) {
  const { db, inbox } = deps;
  return async (event: StatusChanged, ctx: EventContext): Promise<void> => {
    const tenantId = requireUuid("meta.tenant_id", ctx.meta.tenantId);
    const messageId = requireUuid("message_id", event.messageId);
    const status = messageStatusFromProto(event.status);
    if (status === undefined) reject("status must be a known message status");
    let outcome: StatusOutcome | undefined;
    const { duplicate } = await hopelessAsPermanent(() =>
      db.withTenant(tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId, consumer: STATUS_CHANGED_DURABLE, eventId: ctx.meta.eventId },
          async () => {
            outcome = await applyStatus(em, {
              messageId,
              status,
              externalId: event.externalMessageId,
              error: event.error,
            });
            if (outcome.kind === "unknown_message") reject("message_id names no message of the tenant");
            if (outcome.kind === "not_outbound") reject("message_id names an inbound message");
            return [];
          },
        ),
      ),
    );
    if (outcome?.kind === "applied" && outcome.externalIdTaken) {
      ctx.logger.warn(
        { message_id: messageId },
        "the channel id of the message is already held by another message",
      );
    }
    ctx.logger.debug({ outcome: outcome?.kind ?? "redelivered", duplicate }, "event handled");
  };
}

export function startStatusChangedConsumer(deps: StatusChangedDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: STATUS_CHANGED_DURABLE,
    schema: StatusChangedSchema,
    concurrency: deps.concurrency ?? 16,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createStatusChangedHandler(deps),
  });
}
