import { type Bus, causedBy, type EventContext } from "@atendo/bus";
import type { Db, EncodedEvent, Inbox } from "@atendo/db";
import type { Actor } from "@atendo/proto/common/v1";
import { MessageUpdatedSchema } from "@atendo/proto/conversation/v1";
import { create } from "@bufbuild/protobuf";
import type { TurnScheduler } from "../buffer/turn-scheduler.js";
import { conversationEventIds } from "../domain/event-ids.js";
import { messageToProto } from "../domain/to-proto.js";
import { applyChannelChange, type ChangeOutcome, type ChannelChange } from "../store/change-store.js";
import { hopelessAsPermanent } from "./event-errors.js";

export interface ChannelChangeDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  scheduler: TurnScheduler;
}

/**
 * Applies a change of a stored message (edit, deletion, stored media) once per event (inbox), then
 * publishes its MessageUpdated and arms the buffer when the conversation's pending turn must be
 * looked at again. `actorOf` names who made the change, from the stored conversation.
 */
export async function handleChannelChange(
  deps: ChannelChangeDeps,
  consumer: string,
  change: ChannelChange,
  ctx: EventContext,
  actorOf: (conversation: { contactId: string }) => Actor,
): Promise<void> {
  const { db, bus, inbox, scheduler } = deps;
  let outcome: ChangeOutcome | undefined;
  const { duplicate, outputs } = await hopelessAsPermanent(() =>
    db.withTenant(change.tenantId, (em) =>
      inbox.handle(em, { tenantId: change.tenantId, consumer, eventId: ctx.meta.eventId }, async () => {
        outcome = await applyChannelChange(em, change);
        if (outcome.kind !== "applied") return [];
        const { conversation, message, previous, fields } = outcome;
        const updated: EncodedEvent = bus.encode(
          MessageUpdatedSchema,
          create(MessageUpdatedSchema, {
            meta: causedBy(ctx.meta, actorOf(conversation)),
            ...conversationEventIds(conversation),
            message: messageToProto(message, previous),
            changedFields: fields,
          }),
        );
        return [updated];
      }),
    ),
  );
  if (outcome?.kind === "applied" && outcome.rearm) {
    await scheduler.arm(change.tenantId, outcome.conversation.id);
  }
  for (const o of outputs) await bus.publishEncoded(o);
  ctx.logger.debug({ outcome: outcome?.kind ?? "redelivered", duplicate }, "event handled");
}
