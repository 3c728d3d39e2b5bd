import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { DIRECTIONS, MESSAGE_STATUSES, SENDER_KINDS } from "../domain/enums.js";

/**
 * A message of a conversation. `content` is the protobuf bytes of atendo.common.v1.Message (stored
 * as is), `text` its searchable text. `sortAt` orders the timeline: the channel's timestamp for
 * inbound messages (Meta does not guarantee order), the storing time otherwise. Earlier contents
 * of an edited message are in `message_versions`.
 */
export const MessageEntity = defineEntity({
  name: "Message",
  tableName: "messages",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    conversationId: p.uuid(),
    channelId: p.uuid(),
    direction: p.enum(DIRECTIONS),
    senderKind: p.enum(SENDER_KINDS),
    senderId: p.text(),
    externalId: p.text().strictNullable(),
    content: p.uint8array(),
    text: p.text(),
    raw: p.text(),
    status: p.enum(MESSAGE_STATUSES).strictNullable(),
    error: p.uint8array().strictNullable(),
    turnEpoch: p.integer(),
    answerable: p.boolean(),
    answeredAt: p.datetime().strictNullable(),
    replyToMessageId: p.uuid().strictNullable(),
    citations: p.json<unknown[]>(),
    clientMessageId: p.uuid().strictNullable(),
    partIndex: p.integer(),
    partCount: p.integer(),
    sourceEventId: p.text(),
    correlationId: p.text(),
    createdAt: p.datetime(),
    sentAt: p.datetime().strictNullable(),
    sortAt: p.datetime(),
    statusUpdatedAt: p.datetime().strictNullable(),
    /** Imported past message (coexistence history): context only, never answered. */
    history: p.boolean(),
    /** The channel's time of the edit whose content the row holds; null if never edited. */
    editedAt: p.datetime().strictNullable(),
    /** The channel's counter of that edit (0 when it gives none). */
    editNumber: p.integer(),
    /** Edits received (the versions kept beside the original). */
    editCount: p.integer(),
    /** When the sender deleted it: the content is then a tombstone. */
    deletedAt: p.datetime().strictNullable(),
  },
});
export type MessageRecord = InferEntity<typeof MessageEntity>;
