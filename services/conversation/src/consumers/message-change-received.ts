import type { Bus, Consumer, EventContext } from "@atendo/bus";
import { type Db, type Inbox, pgText } from "@atendo/db";
import { type MessageChangeReceived, MessageChangeReceivedSchema } from "@atendo/proto/ingress/v1";
import { toBinary } from "@bufbuild/protobuf";
import type { TurnScheduler } from "../buffer/turn-scheduler.js";
import { businessAppActor, contactActor } from "../domain/actors.js";
import { changeOfEvent } from "../domain/change-events.js";
import { handleChannelChange } from "./channel-change.js";
import { reject, requireUuid } from "./event-errors.js";

export const MESSAGE_CHANGE_RECEIVED_DURABLE = "conversation-message_change_received";

export interface MessageChangeReceivedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  scheduler: TurnScheduler;
  concurrency?: number;
  maxDeliver?: number;
}

/**
 * ingress.v1.MessageChangeReceived: the sender edited or deleted a message. Applied to the stored
 * message (kept until it arrives when it is not stored yet); its public face is MessageUpdated,
 * whose actor is the contact, or the business app for a change made in the app.
 */
export function createMessageChangeReceivedHandler(deps: MessageChangeReceivedDeps) {
  return async (event: MessageChangeReceived, ctx: EventContext): Promise<void> => {
    const tenantId = requireUuid("meta.tenant_id", ctx.meta.tenantId);
    const channelId = requireUuid("channel_id", event.channelId);
    const target = pgText(event.targetExternalMessageId);
    if (target === "") reject("target_external_message_id is required");
    const change = changeOfEvent(event, new Date());
    if (typeof change === "string") reject(change);
    const occurredAt =
      change.kind === "delete" ? change.at : change.kind === "edit" ? change.writtenAt : new Date();
    await handleChannelChange(
      deps,
      MESSAGE_CHANGE_RECEIVED_DURABLE,
      {
        tenantId,
        channelId,
        targetExternalId: target,
        change,
        event: toBinary(MessageChangeReceivedSchema, event),
        occurredAt,
      },
      ctx,
      (conversation) => (event.isEcho ? businessAppActor() : contactActor(conversation.contactId)),
    );
  };
}

export function startMessageChangeReceivedConsumer(deps: MessageChangeReceivedDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: MESSAGE_CHANGE_RECEIVED_DURABLE,
    schema: MessageChangeReceivedSchema,
    concurrency: deps.concurrency ?? 8,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createMessageChangeReceivedHandler(deps),
  });
}
