import { ActorKind, HistorySyncState } from "@atendo/proto/common/v1";
import { HistorySyncProgressedSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { arr, asObject, type JsonObject, num, obj, str } from "./json-read.js";
import type { SplitTarget } from "./whatsapp-delivery-context.js";
import { eventMeta } from "./whatsapp-event-meta.js";
import { digitsOf, splitMessageItem } from "./whatsapp-message-item.js";

/**
 * A coexistence `history` change (docs/meta-wire-format.md, WhatsApp coexistence): every message of every
 * thread of every chunk becomes a MessageReceived with `history` set, and each chunk one
 * HistorySyncProgressed (a declined import, `history[].errors[]`, one DECLINED). The
 * `messages[]`/`message_echoes[]` such a change may carry instead (the media of earlier
 * placeholders) are history too. One pass over the chunk: a chunk can hold thousands of messages.
 */
export function splitHistoryChange(value: JsonObject | undefined, target: SplitTarget): void {
  const displayDigits = digitsOf(str(obj(value, "metadata"), "display_phone_number"));
  arr(value, "history").forEach((c, chunkIndex) => {
    const chunk = asObject(c);
    if (chunk === undefined) {
      target.note(`history[${chunkIndex}] is not an object`);
      return;
    }
    let messageCount = 0;
    arr(chunk, "threads").forEach((t, threadIndex) => {
      const thread = asObject(t);
      const threadId = typeof thread?.id === "string" ? thread.id : "";
      const source = { role: "history", history: true, displayDigits, threadId } as const;
      arr(thread, "messages").forEach((m, i) => {
        messageCount++;
        const where = () => `history[${chunkIndex}].threads[${threadIndex}].messages[${i}]`;
        splitMessageItem(m, where, source, target);
      });
    });
    progressOf(chunk, chunkIndex, messageCount, target);
  });
  const inbound = { role: "inbound", history: true, contacts: arr(value, "contacts") } as const;
  arr(value, "messages").forEach((m, i) => {
    splitMessageItem(m, () => `messages[${i}]`, inbound, target);
  });
  arr(value, "message_echoes").forEach((m, i) => {
    splitMessageItem(m, () => `message_echoes[${i}]`, { role: "echo", history: true }, target);
  });
}

/** The chunk's HistorySyncProgressed: IN_PROGRESS, COMPLETED at progress 100, or DECLINED. */
function progressOf(chunk: JsonObject, index: number, messageCount: number, target: SplitTarget): void {
  const { ctx, out, note } = target;
  const error = asObject(arr(chunk, "errors")[0]);
  const metadata = obj(chunk, "metadata");
  const phase = int32(metadata, "phase");
  const chunkOrder = int32(metadata, "chunk_order");
  const progress = Math.min(int32(metadata, "progress") ?? 0, 100);
  let msgId: string;
  if (error !== undefined) {
    msgId = `history:error:${int32(error, "code") ?? 0}`;
  } else if (phase === undefined || chunkOrder === undefined) {
    note(`history[${index}] has no phase or chunk_order: its progress is not published`);
    return;
  } else {
    msgId = `history:${phase}:${chunkOrder}`;
  }
  const state =
    error !== undefined
      ? HistorySyncState.DECLINED
      : progress >= 100
        ? HistorySyncState.COMPLETED
        : HistorySyncState.IN_PROGRESS;
  out.historyProgress.push({
    msgId,
    event: create(HistorySyncProgressedSchema, {
      // A chunk has no time of its own: its arrival (the same on every sweep and replay of the row).
      meta: eventMeta(ctx, msgId, ctx.receivedAt.getTime(), ActorKind.SYSTEM),
      webhookEventId: ctx.webhookEventId,
      channelId: ctx.channelId,
      phase: phase ?? 0,
      chunkOrder: chunkOrder ?? 0,
      progress: error === undefined ? progress : 0,
      messageCount,
      state,
      errorCode: error === undefined ? 0 : (int32(error, "code") ?? 0),
      errorMessage: error === undefined ? "" : str(error, "message") || str(error, "title"),
      receivedAt: timestampFromDate(ctx.receivedAt),
    }),
  });
}

/** A non-negative int32 (numbers or numeric strings, as partners relay them), else undefined. */
function int32(parent: JsonObject | undefined, key: string): number | undefined {
  const n = num(parent, key);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 0x7fffffff ? n : undefined;
}
