import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { ChannelTypeName, HandlerName } from "../domain/enums.js";
import { ConversationEntity, type ConversationRecord } from "./conversation-entity.js";
import { MessageEntity } from "./message-entity.js";

export type ConversationLifecycle = "existing" | "opened" | "reopened";

export interface ConversationKey {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  channelType: ChannelTypeName;
  contactId: string;
}

/**
 * The contact's open conversation on the channel, row-locked ("opened" while it has no message yet);
 * else its latest resolved one, reopened (or left resolved when `reopen` is false: imported history
 * and OpenConversation); else a new one. Callers hold the contact's row lock, so two messages of one
 * contact never open two conversations.
 */
export async function findOrOpenConversation(
  em: EntityManager,
  key: ConversationKey,
  at: Date,
  options: { reopen: boolean } = { reopen: true },
): Promise<{ conversation: ConversationRecord; lifecycle: ConversationLifecycle }> {
  const lock = { lockMode: LockMode.PESSIMISTIC_WRITE } as const;
  const open = await em.findOne(
    ConversationEntity,
    { channelId: key.channelId, contactId: key.contactId, status: { $ne: "RESOLVED" } },
    lock,
  );
  if (open !== null) {
    // Opened ahead of its first message (ConversationDirectoryService.OpenConversation): the first
    // message opens it for the inbox, as if it were new. Counted only while no inbound message
    // arrived, so a busy conversation pays nothing.
    const empty =
      open.lastInboundAt === null && (await em.count(MessageEntity, { conversationId: open.id })) === 0;
    return { conversation: open, lifecycle: empty ? "opened" : "existing" };
  }

  const resolved = await em.findOne(
    ConversationEntity,
    { channelId: key.channelId, contactId: key.contactId, status: "RESOLVED" },
    { ...lock, orderBy: { createdAt: "desc", id: "desc" } },
  );
  if (resolved !== null && !options.reopen) return { conversation: resolved, lifecycle: "existing" };
  if (resolved !== null) {
    // A new inbound message reopens it, and the assistant answers again.
    resolved.status = "OPEN";
    resolved.handler = "AI";
    resolved.resolvedAt = null;
    resolved.updatedAt = at;
    return { conversation: resolved, lifecycle: "reopened" };
  }

  const handler: HandlerName = "AI";
  const conversation = em.create(ConversationEntity, {
    id: newId(),
    tenantId: key.tenantId,
    workspaceId: key.workspaceId,
    channelId: key.channelId,
    channelType: key.channelType,
    contactId: key.contactId,
    status: "OPEN",
    handler,
    assigneeUserId: null,
    assistantId: null,
    turnEpoch: 0,
    answeredEpoch: 0,
    flushedEpoch: 0,
    turnEventId: null,
    lastMessageAt: at,
    lastInboundAt: null,
    lastMessagePreview: "",
    unreadCount: 0,
    tags: [],
    createdAt: at,
    updatedAt: at,
    resolvedAt: null,
  });
  // Inserted now: the message row that follows references it.
  await em.flush();
  return { conversation, lifecycle: "opened" };
}
