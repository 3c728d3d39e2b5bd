import { HistorySyncState } from "@atendo/proto/common/v1";

/**
 * The import of a WhatsApp coexistence number's past chats, as stored in `channels.history_import`
 * (jsonb). `chunks_seen` ("<phase>:<chunk_order>") makes a chunk count once however often it comes.
 */
export interface HistoryImportJson {
  state: "IN_PROGRESS" | "COMPLETED" | "DECLINED";
  phase_progress: number[];
  chunks_seen: string[];
  messages: number;
  error_code: number;
  error_message: string;
  /** ISO time of the last chunk. */
  updated_at: string;
}

/** One chunk (or the decline) as HistorySyncProgressed reports it. */
export interface HistoryChunk {
  phase: number;
  chunkOrder: number;
  progress: number;
  messageCount: number;
  declined: boolean;
  errorCode: number;
  errorMessage: string;
  receivedAt: Date;
}

/** Meta sends up to three phases: 0 (day 0-1), 1 (day 1-90), 2 (day 90-180 before onboarding). */
export const HISTORY_PHASES = 3;

/**
 * The import after a chunk. Chunks come in any order and more than once: each phase's progress
 * only moves up, a chunk counts once, and COMPLETED and DECLINED are final. "Every phase" is the
 * three phases Meta defines: the import is COMPLETED when phases 0, 1 and 2 all reached 100 (this
 * assumes Meta reports every phase, an empty period with progress 100; else it stays IN_PROGRESS).
 */
export function applyHistoryChunk(current: HistoryImportJson | null, chunk: HistoryChunk): HistoryImportJson {
  const base: HistoryImportJson = current ?? {
    state: "IN_PROGRESS",
    phase_progress: Array.from({ length: HISTORY_PHASES }, () => 0),
    chunks_seen: [],
    messages: 0,
    error_code: 0,
    error_message: "",
    updated_at: chunk.receivedAt.toISOString(),
  };
  const next: HistoryImportJson = {
    ...base,
    phase_progress: [...base.phase_progress],
    chunks_seen: [...base.chunks_seen],
  };
  const at = chunk.receivedAt.toISOString();
  if (at > next.updated_at) next.updated_at = at;
  if (chunk.declined) {
    if (next.state !== "COMPLETED") {
      next.state = "DECLINED";
      next.error_code = chunk.errorCode;
      next.error_message = chunk.errorMessage.slice(0, 1000);
    }
    return next;
  }
  const phase = Math.trunc(chunk.phase);
  if (phase < 0 || phase >= HISTORY_PHASES) return next;
  const key = `${phase}:${chunk.chunkOrder}`;
  if (!next.chunks_seen.includes(key)) {
    next.chunks_seen.push(key);
    next.messages += Math.max(0, chunk.messageCount);
  }
  const progress = Math.min(100, Math.max(0, Math.trunc(chunk.progress)));
  next.phase_progress[phase] = Math.max(next.phase_progress[phase] ?? 0, progress);
  if (next.state === "IN_PROGRESS" && next.phase_progress.every((p) => p >= 100)) next.state = "COMPLETED";
  return next;
}

export const historyStateToProto = (state: HistoryImportJson["state"]): HistorySyncState =>
  ({
    IN_PROGRESS: HistorySyncState.IN_PROGRESS,
    COMPLETED: HistorySyncState.COMPLETED,
    DECLINED: HistorySyncState.DECLINED,
  })[state];
