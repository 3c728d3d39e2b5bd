import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { CHANNEL_TYPES, CONVERSATION_STATUSES, HANDLERS } from "../domain/enums.js";

/**
 * The thread with one contact on one channel. turn_epoch counts answerable inbound turns;
 * answered_epoch is the last epoch an AI reply was stored for; flushed_epoch the last one a
 * TurnReady was published for (the sweep re-arms AI conversations where it lags turn_epoch).
 */
export const ConversationEntity = defineEntity({
  name: "Conversation",
  tableName: "conversations",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    channelId: p.uuid(),
    channelType: p.enum(CHANNEL_TYPES),
    contactId: p.uuid(),
    status: p.enum(CONVERSATION_STATUSES),
    handler: p.enum(HANDLERS),
    assigneeUserId: p.uuid().strictNullable(),
    assistantId: p.uuid().strictNullable(),
    turnEpoch: p.integer(),
    answeredEpoch: p.integer(),
    flushedEpoch: p.integer(),
    turnEventId: p.uuid().strictNullable(),
    lastMessageAt: p.datetime(),
    lastInboundAt: p.datetime().strictNullable(),
    lastMessagePreview: p.text(),
    unreadCount: p.integer(),
    tags: p.array(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    resolvedAt: p.datetime().strictNullable(),
  },
});
export type ConversationRecord = InferEntity<typeof ConversationEntity>;
