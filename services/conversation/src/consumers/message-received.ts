import { type Bus, type Consumer, causedBy, type EventContext } from "@atendo/bus";
import { type Db, type EncodedEvent, type Inbox, pgText } from "@atendo/db";
import {
  ConversationHandedOffSchema,
  ConversationOpenedSchema,
  ConversationReopenedSchema,
  ConversationStatus,
  HandoffSource,
  MessageStoredSchema,
} from "@atendo/proto/conversation/v1";
import { type MessageReceived, MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { TurnScheduler } from "../buffer/turn-scheduler.js";
import { businessAppActor, contactActor } from "../domain/actors.js";
import { channelTypeFromProto } from "../domain/enums.js";
import { conversationEventIds } from "../domain/event-ids.js";
import { conversationToProto, messageToProto } from "../domain/to-proto.js";
import { type InboundMessage, type InboundOutcome, storeInbound } from "../store/inbound-store.js";
import { findPendingTurnOfMessage } from "../store/message-queries.js";
import { hopelessAsPermanent, reject, requireUuid } from "./event-errors.js";

export const MESSAGE_RECEIVED_DURABLE = "conversation-message_received";

export interface MessageReceivedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  scheduler: TurnScheduler;
  concurrency?: number;
  maxDeliver?: number;
}

function toInbound(event: MessageReceived, ctx: EventContext): InboundMessage {
  const channelType = channelTypeFromProto(event.channelType);
  if (channelType === undefined) reject("channel_type is not a known channel");
  const contact = event.contact;
  if (contact === undefined || contact.externalId === "") reject("contact.external_id is required");
  const content = event.message;
  if (content?.content.case === undefined) reject("message content is required");
  // The channel's strings may hold what Postgres cannot (NUL, lone surrogates): cleaned here, so
  // every statement of the handler (lookups included) sees the values that are stored. The text
  // derived from `content` is cleaned where it is stored.
  return {
    tenantId: requireUuid("meta.tenant_id", ctx.meta.tenantId),
    workspaceId: requireUuid("meta.workspace_id", ctx.meta.workspaceId),
    channelId: requireUuid("channel_id", event.channelId),
    channelType,
    externalMessageId: event.externalMessageId === "" ? null : pgText(event.externalMessageId),
    contact: {
      externalId: pgText(contact.externalId),
      displayName: pgText(contact.displayName),
      username: pgText(contact.username),
      phone: pgText(contact.phone),
      email: pgText(contact.email),
    },
    content,
    sentAt: event.sentAt ? timestampDate(event.sentAt) : null,
    isEcho: event.isEcho,
    stale: event.stale,
    history: event.history,
    historyStatus: event.historyStatus,
    raw: pgText(event.raw),
    sourceEventId: ctx.meta.eventId,
    correlationId: ctx.meta.correlationId,
  };
}

/**
 * The events a stored message produces, encoded for the inbox row. Their actor is the contact who
 * wrote, or the business app for an echo (a person answering outside Atendo).
 */
function outputsOf(bus: Bus, outcome: InboundOutcome, ctx: EventContext): EncodedEvent[] {
  if (outcome.kind !== "stored") return [];
  const { conversation, contact, message, previous, lifecycle, plan } = outcome;
  const actor = plan.direction === "INBOUND" ? contactActor(contact.id) : businessAppActor();
  const ids = conversationEventIds(conversation);
  const out: EncodedEvent[] = [];
  if (lifecycle === "opened") {
    out.push(
      bus.encode(
        ConversationOpenedSchema,
        create(ConversationOpenedSchema, {
          meta: causedBy(ctx.meta, actor),
          ...ids,
          conversation: conversationToProto(conversation, contact),
        }),
      ),
    );
  } else if (lifecycle === "reopened") {
    out.push(
      bus.encode(
        ConversationReopenedSchema,
        create(ConversationReopenedSchema, { meta: causedBy(ctx.meta, actor), ...ids }),
      ),
    );
  }
  out.push(
    bus.encode(
      MessageStoredSchema,
      create(MessageStoredSchema, {
        meta: causedBy(ctx.meta, actor),
        ...ids,
        message: messageToProto(message, previous),
      }),
    ),
  );
  if (plan.handsOff) {
    out.push(
      bus.encode(
        ConversationHandedOffSchema,
        create(ConversationHandedOffSchema, {
          meta: causedBy(ctx.meta, actor),
          ...ids,
          reason: "a person replied from the business app",
          source: HandoffSource.ECHO,
          status: ConversationStatus.OPEN,
          assigneeUserId: conversation.assigneeUserId ?? "",
        }),
      ),
    );
  }
  return out;
}

/**
 * ingress.v1.MessageReceived: stores the message in one transaction with the inbox row, publishes
 * what it produced, and arms the reply buffer for a new AI turn. A crash after the commit is a
 * redelivery: the inbox hands back the stored outputs (same msgIDs, so JetStream drops copies
 * already published) and the buffer is armed again if the turn is still pending.
 */
export function createMessageReceivedHandler(deps: MessageReceivedDeps) {
  const { db, bus, inbox, scheduler } = deps;
  return async (event: MessageReceived, ctx: EventContext): Promise<void> => {
    const input = toInbound(event, ctx);
    let outcome: InboundOutcome | undefined;
    const { duplicate, outputs } = await hopelessAsPermanent(() =>
      db.withTenant(input.tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId: input.tenantId, consumer: MESSAGE_RECEIVED_DURABLE, eventId: ctx.meta.eventId },
          async () => {
            outcome = await storeInbound(em, input);
            return outputsOf(bus, outcome, ctx);
          },
        ),
      ),
    );
    if (outcome?.kind === "stored" && outcome.plan.startsTurn) {
      await scheduler.arm(input.tenantId, outcome.conversation.id);
    } else if (duplicate && input.externalMessageId !== null) {
      const externalId = input.externalMessageId;
      const pending = await db.withTenant(input.tenantId, (em) =>
        findPendingTurnOfMessage(em, input.channelId, externalId),
      );
      if (pending !== undefined) await scheduler.ensureArmed(input.tenantId, pending);
    }
    for (const o of outputs) await bus.publishEncoded(o);
    ctx.logger.debug({ outcome: outcome?.kind ?? "redelivered", duplicate }, "event handled");
  };
}

export function startMessageReceivedConsumer(deps: MessageReceivedDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: MESSAGE_RECEIVED_DURABLE,
    schema: MessageReceivedSchema,
    concurrency: deps.concurrency ?? 16,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createMessageReceivedHandler(deps),
  });
}
