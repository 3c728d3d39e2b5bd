import type { ChannelTypeName, ConversationStatusName, HandlerName } from "./enums.js";

export interface TurnState {
  turnEpoch: number;
  answeredEpoch: number;
  handler: HandlerName;
  status: ConversationStatusName;
}

export type ReplyVerdict = "store" | "epoch_moved" | "already_answered" | "human_handles" | "resolved";

/**
 * Whether an AI reply for `replyEpoch` may be stored: only for the current epoch, once, while the AI
 * handles an unresolved conversation. Anything else is a reply to a question that changed.
 */
export function judgeReply(state: TurnState, replyEpoch: number): ReplyVerdict {
  if (state.status === "RESOLVED") return "resolved";
  if (state.handler !== "AI") return "human_handles";
  if (replyEpoch !== state.turnEpoch) return "epoch_moved";
  if (state.answeredEpoch >= replyEpoch) return "already_answered";
  return "store";
}

/** A turn is stale for the ai service when a reply for it would be dropped. */
export function isTurnStale(state: TurnState, turnEpoch: number): boolean {
  return judgeReply(state, turnEpoch) !== "store";
}

/** Whether the flusher has a turn to hand to the ai service. */
export function hasPendingTurn(state: TurnState): boolean {
  return state.status !== "RESOLVED" && state.handler === "AI" && state.turnEpoch > state.answeredEpoch;
}

const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3_600_000;

/** WhatsApp and Instagram accept free-form replies for 24 h after the customer's last message. */
export function windowExpiresAt(channelType: ChannelTypeName, lastInboundAt: Date | null): Date | undefined {
  if (channelType === "WEB" || lastInboundAt === null) return undefined;
  return new Date(lastInboundAt.getTime() + CUSTOMER_SERVICE_WINDOW_MS);
}
