import type { EntityManager } from "@atendo/db";
import { MessageEntity, type MessageRecord } from "./message-entity.js";

/** Where a page of a conversation's timeline starts: after the message with these sort values. */
export interface MessagesAfter {
  sortAt: Date;
  id: string;
}

/** Up to `limit` messages of a conversation, newest first unless oldestFirst (keyset on sort_at, id). */
export async function listMessages(
  em: EntityManager,
  conversationId: string,
  page: { limit: number; after: MessagesAfter | undefined; oldestFirst: boolean },
): Promise<MessageRecord[]> {
  const dir = page.oldestFirst ? "asc" : "desc";
  const cursor = await em.findByCursor(MessageEntity, {
    where: { conversationId },
    orderBy: { sortAt: dir, id: dir },
    first: page.limit,
    ...(page.after === undefined ? {} : { after: { ...page.after } }),
    includeCount: false,
  });
  return [...cursor.items];
}

/**
 * The turn's messages (oldest first) and up to `historyLimit` messages stored before the newest of
 * them (oldest first). "Before" is by storing order (UUIDv7 ids from our clock), not by the channel's
 * timestamps, which have second precision and another clock.
 */
export async function loadTurnMessages(
  em: EntityManager,
  conversationId: string,
  messageIds: string[],
  historyLimit: number,
): Promise<{ turn: MessageRecord[]; history: MessageRecord[] }> {
  const turn = await em.find(
    MessageEntity,
    { conversationId, id: { $in: messageIds } },
    { orderBy: { sortAt: "asc", id: "asc" } },
  );
  const newestStored = turn
    .map((m) => m.id)
    .sort()
    .at(-1);
  if (newestStored === undefined) return { turn, history: [] };
  const history = await em.find(
    MessageEntity,
    { conversationId, id: { $lt: newestStored, $nin: messageIds } },
    { orderBy: { id: "desc" }, limit: historyLimit },
  );
  history.sort((a, b) => a.sortAt.getTime() - b.sortAt.getTime() || (a.id < b.id ? -1 : 1));
  return { turn, history };
}
