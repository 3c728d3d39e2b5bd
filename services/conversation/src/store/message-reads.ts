import type { EntityManager } from "@atendo/db";
import type { Page } from "./conversation-reads.js";
import { MessageEntity, type MessageRecord } from "./message-entity.js";
import { checkPageToken } from "./page-token.js";

/** A conversation's timeline, newest first unless oldestFirst (keyset on sort_at, id). */
export async function listMessages(
  em: EntityManager,
  conversationId: string,
  page: { size: number; token: string | undefined; oldestFirst: boolean },
): Promise<Page<MessageRecord>> {
  const after = checkPageToken(page.token, 2);
  const dir = page.oldestFirst ? "asc" : "desc";
  const cursor = await em.findByCursor(MessageEntity, {
    where: { conversationId },
    orderBy: { sortAt: dir, id: dir },
    first: page.size,
    ...(after === undefined ? {} : { after }),
    includeCount: false,
  });
  return { items: [...cursor.items], nextPageToken: cursor.hasNextPage ? (cursor.endCursor ?? "") : "" };
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
