import { type Bus, type Consumer, causedBy, type EventContext } from "@atendo/bus";
import type { Db, EncodedEvent, Inbox } from "@atendo/db";
import { FinishReason, type ReplyGenerated, ReplyGeneratedSchema } from "@atendo/proto/ai/v1";
import { type Message, MessageSchema, SenderKind } from "@atendo/proto/common/v1";
import {
  ContactUpdatedSchema,
  ConversationHandedOffSchema,
  ConversationStatus,
  HandoffSource,
  MessageStoredSchema,
  OutboundCreatedSchema,
} from "@atendo/proto/conversation/v1";
import { create } from "@bufbuild/protobuf";
import { assistantActor, systemActor } from "../domain/actors.js";
import type { ContactChange } from "../domain/contact-changes.js";
import { channelTypeToProto } from "../domain/enums.js";
import { conversationEventIds } from "../domain/event-ids.js";
import { contactToProto, decodeContent, messageToProto } from "../domain/to-proto.js";
import { type ReplyOutcome, type ReplyToStore, storeReply } from "../store/reply-store.js";
import { hopelessAsPermanent, reject, requireUuid } from "./event-errors.js";

export const REPLY_GENERATED_DURABLE = "conversation-reply_generated";

export interface ReplyGeneratedDeps {
  db: Db;
  bus: Bus;
  inbox: Inbox;
  concurrency?: number;
  maxDeliver?: number;
}

function partsOf(event: ReplyGenerated): Message[] {
  return event.parts.flatMap((p): Message[] => {
    switch (p.part.case) {
      case "text":
        return [create(MessageSchema, { content: { case: "text", value: p.part.value } })];
      case "media":
        return [create(MessageSchema, { content: { case: "media", value: p.part.value } })];
      default:
        return [];
    }
  });
}

/** The tools conversation applies itself (ai performs HTTP actions; follow-ups arrive later). */
function actionsOf(event: ReplyGenerated, ctx: EventContext) {
  let handoff: ReplyToStore["handoff"];
  const change: ContactChange & { touched: boolean } = {
    addTags: [],
    name: "",
    email: "",
    phone: "",
    attributes: {},
    touched: false,
  };
  const tags: string[] = [];
  const attributes: Record<string, string> = {};
  for (const action of event.actions) {
    const a = action.action;
    if (a.case === "handoff") handoff = { source: "AI", reason: a.value.reason };
    else if (a.case === "tagContact") {
      tags.push(...a.value.tags);
      change.touched = true;
    } else if (a.case === "updateContact") {
      if (a.value.name !== "") change.name = a.value.name;
      if (a.value.email !== "") change.email = a.value.email;
      if (a.value.phone !== "") change.phone = a.value.phone;
      Object.assign(attributes, a.value.attributes);
      change.touched = true;
    } else if (a.case === "scheduleFollowUp") {
      ctx.logger.warn({ action: a.case }, "follow-up actions are not applied yet");
    }
  }
  // A failed model call leaves the customer waiting: a person must take it.
  if (handoff === undefined && event.finishReason === FinishReason.ERROR) {
    handoff = {
      source: "FAILURE",
      reason: event.error !== "" ? event.error : "the assistant could not answer",
    };
  }
  const { touched, ...rest } = change;
  const contactChange: ContactChange | undefined = touched
    ? { ...rest, addTags: tags, attributes }
    : undefined;
  return { handoff, contactChange };
}

/**
 * The events a stored reply produces. The assistant is their actor, except for the handoff after a
 * failed model call: Atendo handed the conversation to a person because the assistant could not.
 */
function outputsOf(bus: Bus, outcome: ReplyOutcome, r: ReplyToStore, ctx: EventContext): EncodedEvent[] {
  if (outcome.kind !== "stored") return [];
  const { conversation, contact, messages } = outcome;
  const assistant = assistantActor(r.assistantId);
  const ids = conversationEventIds(conversation);
  const out: EncodedEvent[] = [];
  for (const m of messages) {
    out.push(
      bus.encode(
        MessageStoredSchema,
        create(MessageStoredSchema, {
          meta: causedBy(ctx.meta, assistant),
          ...ids,
          message: messageToProto(m),
        }),
      ),
      bus.encode(
        OutboundCreatedSchema,
        create(OutboundCreatedSchema, {
          meta: causedBy(ctx.meta, assistant),
          conversationId: conversation.id,
          messageId: m.id,
          channelId: conversation.channelId,
          channelType: channelTypeToProto(conversation.channelType),
          contactId: contact.id,
          recipientExternalId: contact.externalId,
          message: decodeContent(m.content),
          senderKind: SenderKind.AI,
          senderId: m.senderId,
          turnEpoch: m.turnEpoch,
          replyToExternalId: "",
          partIndex: m.partIndex,
          partCount: m.partCount,
        }),
      ),
    );
  }
  if (r.handoff !== undefined) {
    out.push(
      bus.encode(
        ConversationHandedOffSchema,
        create(ConversationHandedOffSchema, {
          meta: causedBy(ctx.meta, r.handoff.source === "AI" ? assistant : systemActor()),
          ...ids,
          reason: r.handoff.reason,
          source: r.handoff.source === "AI" ? HandoffSource.AI : HandoffSource.FAILURE,
          status: ConversationStatus.PENDING_HUMAN,
          assigneeUserId: conversation.assigneeUserId ?? "",
        }),
      ),
    );
  }
  if (outcome.contactChanges.length > 0) {
    out.push(
      bus.encode(
        ContactUpdatedSchema,
        create(ContactUpdatedSchema, {
          meta: causedBy(ctx.meta, assistant),
          contact: contactToProto(contact),
          changedFields: outcome.contactChanges,
        }),
      ),
    );
  }
  return out;
}

/**
 * ai.v1.ReplyGenerated: stores the reply if its epoch is still current (else it is dropped: a newer
 * turn will be answered) and emits one OutboundCreated per part for delivery. Idempotent by event id
 * through the inbox; a redelivery republishes the stored outputs under the same msgIDs.
 */
export function createReplyGeneratedHandler(deps: ReplyGeneratedDeps) {
  const { db, bus, inbox } = deps;
  return async (event: ReplyGenerated, ctx: EventContext): Promise<void> => {
    const tenantId = requireUuid("meta.tenant_id", ctx.meta.tenantId);
    const reply: ReplyToStore = {
      conversationId: requireUuid("conversation_id", event.conversationId),
      turnEpoch: event.turnEpoch,
      assistantId: event.assistantId,
      parts: partsOf(event),
      citations: event.citations,
      ...actionsOf(event, ctx),
      sourceEventId: ctx.meta.eventId,
      correlationId: ctx.meta.correlationId,
    };
    if (reply.turnEpoch < 1) reject("turn_epoch must be at least 1");
    let outcome: ReplyOutcome | undefined;
    const { outputs, duplicate } = await hopelessAsPermanent(() =>
      db.withTenant(tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId, consumer: REPLY_GENERATED_DURABLE, eventId: ctx.meta.eventId },
          async () => {
            outcome = await storeReply(em, reply);
            // Rolls the inbox row back with it: the dead letter keeps the event for an operator.
            if (outcome.kind === "unknown_conversation")
              reject("conversation_id names no conversation of the tenant");
            return outputsOf(bus, outcome, reply, ctx);
          },
        ),
      ),
    );
    for (const o of outputs) await bus.publishEncoded(o);
    if (outcome?.kind === "dropped") {
      ctx.logger.info(
        { conversationId: reply.conversationId, epoch: reply.turnEpoch, verdict: outcome.verdict },
        "reply dropped",
      );
    }
    ctx.logger.debug({ outcome: outcome?.kind ?? "redelivered", duplicate }, "event handled");
  };
}

export function startReplyGeneratedConsumer(deps: ReplyGeneratedDeps): Promise<Consumer> {
  return deps.bus.consume({
    durable: REPLY_GENERATED_DURABLE,
    schema: ReplyGeneratedSchema,
    concurrency: deps.concurrency ?? 16,
    maxDeliver: deps.maxDeliver ?? 10,
    handler: createReplyGeneratedHandler(deps),
  });
}
