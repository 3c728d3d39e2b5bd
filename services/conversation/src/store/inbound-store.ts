import type { EntityManager } from "@atendo/db";
import { newId, pgText } from "@atendo/db";
import { type Message, MessageSchema } from "@atendo/proto/common/v1";
import { toBinary } from "@bufbuild/protobuf";
import type { ChannelTypeName } from "../domain/enums.js";
import { type InboundPlan, planInbound } from "../domain/inbound-plan.js";
import { advanceStatus } from "../domain/message-status.js";
import { isAnswerableContent, messagePreview, messageText } from "../domain/message-text.js";
import { ContactEntity, type ContactRecord } from "./contact-entity.js";
import { upsertContact } from "./contact-upsert.js";
import type { ConversationRecord } from "./conversation-entity.js";
import { type ConversationLifecycle, findOrOpenConversation } from "./conversation-lookup.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

/** An inbound message as the consumer hands it over: its channel strings already cleaned (pgText). */
export interface InboundMessage {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelTypeName;
  /** The channel's message id; null when the channel gave none (then only the event id dedupes). */
  externalMessageId: string | null;
  contact: { externalId: string; displayName: string; username: string; phone: string; email: string };
  content: Message;
  sentAt: Date | null;
  isEcho: boolean;
  stale: boolean;
  raw: string;
  sourceEventId: string;
  correlationId: string;
}

export type InboundOutcome =
  | { kind: "duplicate" }
  | { kind: "echo_confirmed"; messageId: string }
  | {
      kind: "stored";
      conversation: ConversationRecord;
      contact: ContactRecord;
      message: MessageRecord;
      lifecycle: ConversationLifecycle;
      plan: InboundPlan;
    };

/**
 * Stores one inbound message (or echo) in the caller's tenant transaction: contact, conversation,
 * message, and the conversation's turn bookkeeping. A message whose channel id is already stored is
 * a no-op, whatever event carried it.
 */
export async function storeInbound(em: EntityManager, m: InboundMessage): Promise<InboundOutcome> {
  const now = new Date();
  // The channel's clock, but never ahead of ours: a skewed timestamp must not reorder what we store.
  const sortAt = m.sentAt !== null && m.sentAt < now ? m.sentAt : now;
  const contactId = await upsertContact(em, {
    tenantId: m.tenantId,
    workspaceId: m.workspaceId,
    channelId: m.channelId,
    channelType: m.channelType,
    ...m.contact,
    seenAt: m.isEcho ? null : sortAt,
    authoritative: !m.isEcho,
  });

  // Under the contact's lock, so a concurrent copy of this message has committed or not started.
  if (m.externalMessageId !== null) {
    const existing = await em.count(MessageEntity, {
      channelId: m.channelId,
      externalId: m.externalMessageId,
    });
    if (existing > 0) return { kind: "duplicate" };
  }

  const { conversation, lifecycle } = await findOrOpenConversation(
    em,
    {
      tenantId: m.tenantId,
      workspaceId: m.workspaceId,
      channelId: m.channelId,
      channelType: m.channelType,
      contactId,
    },
    now,
  );

  // Channel text Postgres cannot hold (NUL, lone surrogates) is cleaned, not refused: the message is
  // stored and answered all the same.
  const text = pgText(messageText(m.content));
  if (m.isEcho && m.externalMessageId !== null && lifecycle === "existing") {
    const confirmed = await confirmOwnSend(em, conversation.id, text, m.externalMessageId, now);
    if (confirmed !== undefined) return { kind: "echo_confirmed", messageId: confirmed };
  }

  const plan = planInbound({
    isEcho: m.isEcho,
    stale: m.stale,
    answerableContent: isAnswerableContent(m.content),
    handler: conversation.handler,
  });

  if (plan.startsTurn) {
    conversation.turnEpoch += 1;
    conversation.turnEventId = newId();
  }
  if (plan.handsOff) conversation.handler = "HUMAN";
  if (plan.direction === "INBOUND") {
    conversation.unreadCount += 1;
    if (conversation.lastInboundAt === null || conversation.lastInboundAt < sortAt) {
      conversation.lastInboundAt = sortAt;
    }
  }
  if (sortAt >= conversation.lastMessageAt || lifecycle === "opened") {
    conversation.lastMessageAt = sortAt;
    conversation.lastMessagePreview = pgText(messagePreview(m.content));
  }
  conversation.updatedAt = now;

  const message = em.create(MessageEntity, {
    id: newId(),
    tenantId: m.tenantId,
    conversationId: conversation.id,
    channelId: m.channelId,
    direction: plan.direction,
    senderKind: plan.senderKind,
    senderId: plan.direction === "INBOUND" ? contactId : "",
    externalId: m.externalMessageId,
    content: toBinary(MessageSchema, m.content),
    text,
    raw: m.raw,
    // The business already sent an echo: the channel reported it as sent.
    status: plan.direction === "OUTBOUND" ? "SENT" : null,
    error: null,
    turnEpoch: conversation.turnEpoch,
    answerable: plan.answerable,
    answeredAt: null,
    replyToMessageId: null,
    citations: [],
    clientMessageId: null,
    partIndex: 0,
    partCount: 1,
    sourceEventId: m.sourceEventId,
    correlationId: m.correlationId,
    createdAt: now,
    sentAt: m.sentAt,
    sortAt,
    statusUpdatedAt: plan.direction === "OUTBOUND" ? now : null,
  });
  const contact = await em.findOneOrFail(ContactEntity, { id: contactId });
  return { kind: "stored", conversation, contact, message, lifecycle, plan };
}

/**
 * An echo of our own send (AI or console reply) that arrived before delivery reported its channel
 * id: it confirms that message instead of being stored as a person writing from the app.
 */
async function confirmOwnSend(
  em: EntityManager,
  conversationId: string,
  text: string,
  externalId: string,
  now: Date,
): Promise<string | undefined> {
  if (text === "") return undefined;
  const own = await em.findOne(
    MessageEntity,
    {
      conversationId,
      direction: "OUTBOUND",
      externalId: null,
      status: { $in: ["PENDING", "SENT"] },
      text,
    },
    { orderBy: { createdAt: "asc", id: "asc" } },
  );
  if (own === null) return undefined;
  own.externalId = externalId;
  const next = advanceStatus(own.status, "SENT");
  if (next !== own.status) {
    own.status = next;
    own.statusUpdatedAt = now;
  }
  own.sentAt ??= now;
  return own.id;
}
