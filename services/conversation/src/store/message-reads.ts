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
 * The turn's messages (oldest first) and up to `historyLimit` messages before them (oldest first):
 * those stored before the newest of them (by storing order: UUIDv7 ids from our clock, since the
 * channel's timestamps have second precision and another clock), and imported history (stored
 * whenever the import ran) older than the turn by the channel's time. The newest `historyLimit`
 * of these, by time.
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
  const newestSent = turn.at(-1)?.sortAt;
  if (newestStored === undefined || newestSent === undefined) return { turn, history: [] };
  const history = await em.find(
    MessageEntity,
    {
      conversationId,
      id: { $nin: messageIds },
      $or: [{ id: { $lt: newestStored } }, { history: true, sortAt: { $lte: newestSent } }],
    },
    { orderBy: { sortAt: "desc", id: "desc" }, limit: historyLimit },
  );
  history.sort((a, b) => a.sortAt.getTime() - b.sortAt.getTime() || (a.id < b.id ? -1 : 1));
  return { turn, history };
}
