import type { EntityManager } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import { applyHistoryChunk, type HistoryChunk } from "../domain/history-import.js";
import { ChannelEntity } from "./channel-entity.js";

export type HistoryImportOutcome = "applied" | "unchanged" | "unknown_channel" | "not_whatsapp";

/** Records a history chunk on the channel, under its row lock (chunks are handled concurrently). */
export async function recordHistoryChunk(
  em: EntityManager,
  channelId: string,
  chunk: HistoryChunk,
): Promise<HistoryImportOutcome> {
  const channel = await em.findOne(
    ChannelEntity,
    { id: channelId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (channel === null) return "unknown_channel";
  if (channel.type !== "WHATSAPP") return "not_whatsapp";
  const next = applyHistoryChunk(channel.historyImport ?? null, chunk);
  if (JSON.stringify(next) === JSON.stringify(channel.historyImport)) return "unchanged";
  channel.historyImport = next;
  return "applied";
}
