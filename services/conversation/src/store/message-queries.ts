import type { EntityManager } from "@atendo/db";
import { hasPendingTurn } from "../domain/turn-rules.js";
import { ConversationEntity } from "./conversation-entity.js";
import { MessageEntity } from "./message-entity.js";

/** The conversation of a stored channel message, when it still waits for an AI turn. */
export async function findPendingTurnOfMessage(
  em: EntityManager,
  channelId: string,
  externalId: string,
): Promise<string | undefined> {
  const message = await em.findOne(MessageEntity, { channelId, externalId });
  if (message === null) return undefined;
  const conversation = await em.findOne(ConversationEntity, { id: message.conversationId });
  return conversation !== null && hasPendingTurn(conversation) ? conversation.id : undefined;
}
