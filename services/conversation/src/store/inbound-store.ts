import type { EntityManager } from "@atendo/db";
import { newId, pgText } from "@atendo/db";
import { type Message, MessageSchema } from "@atendo/proto/common/v1";
import { toBinary } from "@bufbuild/protobuf";
import { decodeEarlyChange } from "../domain/change-events.js";
import type { ChannelTypeName, MessageStatusName } from "../domain/enums.js";
import { type InboundPlan, planInbound } from "../domain/inbound-plan.js";
import { advanceStatus } from "../domain/message-status.js";
import { isAnswerableContent, messagePreview, messageText } from "../domain/message-text.js";
import type { MessageVersionState } from "../domain/to-proto.js";
import { ContactEntity, type ContactRecord } from "./contact-entity.js";
import { upsertContact } from "./contact-upsert.js";
import type { ConversationRecord } from "./conversation-entity.js";
import { type ConversationLifecycle, findOrOpenConversation } from "./conversation-lookup.js";
import type { EarlyChangeRecord } from "./early-change-entity.js";
import { lockChannelMessage, takeEarlyChanges } from "./early-changes.js";
import { applyChange, previousVersionsOf } from "./message-changes.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

/**
 * How long after we stored an outbound message an echo with its text (and no channel id yet) is
 * taken for its confirmation: delivery paces and retries sends, so minutes, not hours.
 */
export const OWN_SEND_ECHO_WINDOW_MS = 10 * 60_000;

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
  /** A past message imported by WhatsApp coexistence: context only. */
  history: boolean;
  /** Its status in the business app (history only): SENT, DELIVERED, READ, PLAYED, PENDING, ERROR. */
  historyStatus: string;
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
      /** Earlier versions, when edits that overtook the message were applied. */
      previous: MessageVersionState[];
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
    // The past says nothing about when the customer was last seen, nor about their profile now.
    seenAt: m.isEcho || m.history ? null : sortAt,
    authoritative: !m.isEcho && !m.history,
  });

  // Under the contact's lock, so a concurrent copy of this message has committed or not started.
  // History and live traffic carry the same channel ids: whichever comes second is this duplicate.
  if (m.externalMessageId !== null) {
    const existing = await em.findOne(MessageEntity, {
      channelId: m.channelId,
      externalId: m.externalMessageId,
    });
    if (existing !== null) {
      // The echo of our own send whose id delivery recorded first: it confirms the send.
      if (m.isEcho && !m.history && existing.direction === "OUTBOUND") confirmSent(existing, now);
      return { kind: "duplicate" };
    }
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
    // An imported past message never reopens a resolved conversation.
    { reopen: !m.history },
  );

  // Channel text Postgres cannot hold (NUL, lone surrogates) is cleaned, not refused: the message is
  // stored and answered all the same.
  const text = pgText(messageText(m.content));
  if (m.isEcho && !m.history && m.externalMessageId !== null && lifecycle === "existing") {
    const confirmed = await confirmOwnSend(em, conversation.id, text, m.externalMessageId, now);
    if (confirmed !== undefined) return { kind: "echo_confirmed", messageId: confirmed };
  }

  // Edits, deletions and media outcomes that overtook the message (their consumers take the same
  // lock before keeping one).
  let early: EarlyChangeRecord[] = [];
  if (m.externalMessageId !== null) {
    await lockChannelMessage(em, m.channelId, m.externalMessageId);
    early = await takeEarlyChanges(em, m.channelId, m.externalMessageId);
  }
  const changes = early.flatMap((e) => {
    const change = decodeEarlyChange(e.changeKey, e.event, e.createdAt);
    return typeof change === "string" ? [] : [change];
  });

  const plan = planInbound({
    isEcho: m.isEcho,
    stale: m.stale,
    history: m.history,
    deleted: changes.some((c) => c.kind === "delete"),
    answerableContent: isAnswerableContent(m.content),
    handler: conversation.handler,
  });

  if (plan.startsTurn) {
    conversation.turnEpoch += 1;
    conversation.turnEventId = newId();
  }
  if (plan.handsOff) conversation.handler = "HUMAN";
  // The past is read already and opens no 24 h window.
  if (plan.direction === "INBOUND" && !m.history) {
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
    // The business already sent an echo: the channel reported it as sent (history: as the app says).
    status: plan.direction === "OUTBOUND" ? (m.history ? historyStatusOf(m.historyStatus) : "SENT") : null,
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
    history: m.history,
    editedAt: null,
    editNumber: 0,
    editCount: 0,
    deletedAt: null,
  });
  let previous: MessageVersionState[] = [];
  if (changes.length > 0) {
    // The versions reference the row.
    await em.flush();
    for (const change of changes) await applyChange(em, message, change);
    previous = (await previousVersionsOf(em, [message])).get(message.id) ?? [];
  }
  const contact = await em.findOneOrFail(ContactEntity, { id: contactId });
  return { kind: "stored", conversation, contact, message, previous, lifecycle, plan };
}

/** The echo shows the channel took the message: at least SENT. */
function confirmSent(own: MessageRecord, now: Date): void {
  const next = advanceStatus(own.status, "SENT");
  if (next !== own.status) {
    own.status = next;
    own.statusUpdatedAt = now;
  }
  own.sentAt ??= now;
}

/**
 * An echo of our own send (AI or console reply) that arrived before delivery recorded its channel
 * id: the oldest outbound message of the conversation with the same text, still without a channel
 * id and stored within OWN_SEND_ECHO_WINDOW_MS, takes the id and is confirmed, instead of the echo
 * being stored as a person writing from the app. Older sends are not matched: a person typing the
 * same words later in the app is a person.
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
      senderKind: { $in: ["AI", "AGENT"] },
      externalId: null,
      status: { $in: ["PENDING", "SENT"] },
      text,
      createdAt: { $gte: new Date(now.getTime() - OWN_SEND_ECHO_WINDOW_MS) },
    },
    { orderBy: { createdAt: "asc", id: "asc" } },
  );
  if (own === null) return undefined;
  own.externalId = externalId;
  confirmSent(own, now);
  return own.id;
}

/** The status of a history message the business sent, as its app reported it. */
function historyStatusOf(status: string): MessageStatusName {
  switch (status.toUpperCase()) {
    case "DELIVERED":
    case "READ":
    case "PLAYED":
    case "PENDING":
      return status.toUpperCase() as MessageStatusName;
    case "ERROR":
      return "FAILED";
    default:
      return "SENT";
  }
}
