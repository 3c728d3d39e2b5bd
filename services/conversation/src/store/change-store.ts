import { type EntityManager, pgText } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { MessageChange } from "../domain/message-change.js";
import { messagePreview } from "../domain/message-text.js";
import { decodeContent, type MessageVersionState } from "../domain/to-proto.js";
import { hasPendingTurn } from "../domain/turn-rules.js";
import { ConversationEntity, type ConversationRecord } from "./conversation-entity.js";
import { keepEarlyChange, lockChannelMessage } from "./early-changes.js";
import { applyChange, previousVersionsOf, withdrawFromTurn } from "./message-changes.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

export interface ChannelChange {
  tenantId: string;
  channelId: string;
  /** The channel's id of the message changed. */
  targetExternalId: string;
  change: MessageChange;
  /** The event, kept as is when its message is not stored yet. */
  event: Uint8Array;
  occurredAt: Date;
}

export type ChangeOutcome =
  | { kind: "kept_early" }
  | { kind: "unchanged" }
  | {
      kind: "applied";
      conversation: ConversationRecord;
      message: MessageRecord;
      previous: MessageVersionState[];
      fields: string[];
      /** The conversation's pending turn must be looked at again (media stored, a question withdrawn). */
      rearm: boolean;
    };

/**
 * Applies an edit, deletion or media outcome to the message it names, in the caller's tenant
 * transaction; keeps it for later when the message is not stored yet (events of different subjects
 * arrive in any order).
 */
export async function applyChannelChange(em: EntityManager, c: ChannelChange): Promise<ChangeOutcome> {
  await lockChannelMessage(em, c.channelId, c.targetExternalId);
  const message = await em.findOne(
    MessageEntity,
    { channelId: c.channelId, externalId: c.targetExternalId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (message === null) {
    await keepEarlyChange(em, {
      tenantId: c.tenantId,
      channelId: c.channelId,
      targetExternalId: c.targetExternalId,
      changeKey: c.change.changeKey,
      event: c.event,
      occurredAt: c.occurredAt,
    });
    return { kind: "kept_early" };
  }
  const conversation = await em.findOneOrFail(
    ConversationEntity,
    { id: message.conversationId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  const result = await applyChange(em, message, c.change);
  if (!result.changed) return { kind: "unchanged" };

  let rearm = false;
  if (result.unansweredRemoved) rearm = await withdrawFromTurn(em, conversation);
  // Stored media lets a turn that waited for it go.
  if (c.change.kind === "media") {
    rearm = message.answerable && message.answeredAt === null && hasPendingTurn(conversation);
  }
  // The inbox list must not keep showing what was taken back or replaced.
  if (c.change.kind !== "media" && message.sortAt.getTime() >= conversation.lastMessageAt.getTime()) {
    conversation.lastMessagePreview = pgText(messagePreview(decodeContent(message.content)));
  }
  conversation.updatedAt = new Date();
  const previous = (await previousVersionsOf(em, [message])).get(message.id) ?? [];
  return { kind: "applied", conversation, message, previous, fields: result.fields, rearm };
}
