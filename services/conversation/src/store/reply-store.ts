import type { EntityManager } from "@atendo/db";
import { newId, pgJson, pgText } from "@atendo/db";
import { type Citation, CitationSchema, type Message, MessageSchema } from "@atendo/proto/common/v1";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { LockMode } from "@mikro-orm/core";
import { applyContactChange, type ContactChange } from "../domain/contact-changes.js";
import { messagePreview, messageText } from "../domain/message-text.js";
import { judgeReply, type ReplyVerdict } from "../domain/turn-rules.js";
import { ContactEntity, type ContactRecord } from "./contact-entity.js";
import { ConversationEntity, type ConversationRecord } from "./conversation-entity.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

export interface ReplyToStore {
  conversationId: string;
  turnEpoch: number;
  assistantId: string;
  parts: Message[];
  citations: Citation[];
  /** Set when the reply moves the conversation to a person. */
  handoff: { source: "AI" | "FAILURE"; reason: string } | undefined;
  contactChange: ContactChange | undefined;
  sourceEventId: string;
  correlationId: string;
}

export type ReplyOutcome =
  | { kind: "unknown_conversation" }
  | { kind: "dropped"; verdict: Exclude<ReplyVerdict, "store"> }
  | {
      kind: "stored";
      conversation: ConversationRecord;
      contact: ContactRecord;
      messages: MessageRecord[];
      contactChanges: string[];
    };

/**
 * Stores an AI reply if it still answers the current turn (see judgeReply): its parts as PENDING
 * outbound messages, the turn's inbound messages as answered, and the actions that change the
 * conversation or the contact. The conversation row lock orders it against new inbound messages.
 */
export async function storeReply(em: EntityManager, r: ReplyToStore): Promise<ReplyOutcome> {
  const conversation = await em.findOne(
    ConversationEntity,
    { id: r.conversationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (conversation === null) return { kind: "unknown_conversation" };
  const verdict = judgeReply(conversation, r.turnEpoch);
  if (verdict !== "store") return { kind: "dropped", verdict };

  const now = new Date();
  const contact = await em.findOneOrFail(ContactEntity, { id: conversation.contactId });
  // A model's text (and what it quotes of the customer's) may hold what Postgres cannot: cleaned.
  const citations = r.citations.map((c) => pgJson(toJson(CitationSchema, c)));
  const messages = r.parts.map((part, index) =>
    em.create(MessageEntity, {
      id: newId(),
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      channelId: conversation.channelId,
      direction: "OUTBOUND",
      senderKind: "AI",
      senderId: r.assistantId,
      externalId: null,
      content: toBinary(MessageSchema, part),
      text: pgText(messageText(part)),
      raw: "",
      status: "PENDING",
      error: null,
      turnEpoch: r.turnEpoch,
      answerable: false,
      answeredAt: null,
      replyToMessageId: null,
      // The passages support the reply as a whole: kept once, on its first part.
      citations: index === 0 ? citations : [],
      clientMessageId: null,
      partIndex: index,
      partCount: r.parts.length,
      sourceEventId: r.sourceEventId,
      correlationId: r.correlationId,
      createdAt: now,
      sentAt: null,
      sortAt: now,
      statusUpdatedAt: now,
      history: false,
      editedAt: null,
      editNumber: 0,
      editCount: 0,
      deletedAt: null,
    }),
  );

  await em.nativeUpdate(
    MessageEntity,
    {
      conversationId: conversation.id,
      direction: "INBOUND",
      answerable: true,
      answeredAt: null,
      turnEpoch: { $lte: r.turnEpoch },
    },
    { answeredAt: now },
  );
  conversation.answeredEpoch = r.turnEpoch;
  conversation.flushedEpoch = Math.max(conversation.flushedEpoch, r.turnEpoch);
  const last = r.parts[r.parts.length - 1];
  if (last !== undefined) {
    conversation.lastMessageAt = now;
    conversation.lastMessagePreview = pgText(messagePreview(last));
  }
  if (r.handoff !== undefined) {
    conversation.handler = "HUMAN";
    conversation.status = "PENDING_HUMAN";
  }
  conversation.updatedAt = now;

  let contactChanges: string[] = [];
  if (r.contactChange !== undefined) {
    const { next, changed } = applyContactChange(contact, pgContactChange(r.contactChange));
    if (changed.length > 0) {
      Object.assign(contact, next, { updatedAt: now });
      contactChanges = changed;
    }
  }
  return { kind: "stored", conversation, contact, messages, contactChanges };
}

/** The contact tools' values, cleaned for Postgres (they come from the model). */
function pgContactChange(change: ContactChange): ContactChange {
  return {
    addTags: change.addTags.map(pgText),
    name: pgText(change.name),
    email: pgText(change.email),
    phone: pgText(change.phone),
    attributes: pgJson(change.attributes),
  };
}
