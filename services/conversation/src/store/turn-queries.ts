import type { EntityManager } from "@atendo/db";
import { hasPendingTurn } from "../domain/turn-rules.js";
import { ConversationEntity, type ConversationRecord } from "./conversation-entity.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

export interface PendingTurn {
  conversation: ConversationRecord;
  /** Unanswered inbound messages, oldest first. */
  messages: MessageRecord[];
}

/** Inbound messages no reply has answered yet, oldest first. */
export function findUnanswered(em: EntityManager, conversationId: string): Promise<MessageRecord[]> {
  return em.find(
    MessageEntity,
    { conversationId, direction: "INBOUND", answerable: true, answeredAt: null },
    { orderBy: { sortAt: "asc", id: "asc" } },
  );
}

/** The turn the flusher should hand to the ai service, or undefined when there is none. */
export async function loadPendingTurn(
  em: EntityManager,
  conversationId: string,
): Promise<PendingTurn | undefined> {
  const conversation = await em.findOne(ConversationEntity, { id: conversationId });
  if (conversation === null || !hasPendingTurn(conversation)) return undefined;
  const messages = await findUnanswered(em, conversationId);
  return messages.length === 0 ? undefined : { conversation, messages };
}

/** Records that the TurnReady of `epoch` is published, so the sweep stops re-arming it. */
export async function markFlushed(em: EntityManager, conversationId: string, epoch: number): Promise<void> {
  await em.nativeUpdate(
    ConversationEntity,
    { id: conversationId, flushedEpoch: { $lt: epoch } },
    { flushedEpoch: epoch },
  );
}

/**
 * Ids of AI conversations of every tenant whose current turn was never published, through the
 * SECURITY DEFINER function (the service role sees no tenant's rows outside a tenant transaction).
 */
export async function findUnflushedTurns(
  em: EntityManager,
  window: { inboundBefore: Date; inboundAfter: Date; limit: number },
): Promise<Array<{ tenantId: string; conversationId: string }>> {
  const rows = await em.execute<Array<{ tenant_id: string; conversation_id: string }>>(
    "select tenant_id, conversation_id from conversation.pending_turns(?, ?, ?)",
    [window.inboundBefore, window.inboundAfter, window.limit],
    "all",
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, conversationId: r.conversation_id }));
}
