import { FinishReason } from "@atendo/proto/ai/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
import type { GeneratedReply } from "./generate-reply.js";
import { handoffAction, zeroUsage } from "./reply-parts.js";

/** A UTC calendar month: start included, end excluded; `label` is "YYYY-MM". */
export interface UtcMonth {
  start: Date;
  end: Date;
  label: string;
}

/** The UTC calendar month `now` falls in (the plan counts AI messages per UTC month). */
export function utcMonthOf(now: Date): UtcMonth {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    start: new Date(Date.UTC(year, month, 1)),
    end: new Date(Date.UTC(year, month + 1, 1)),
    label: `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}`,
  };
}

/** Whether `used` replies leave no room under `limit`; a limit of 0 means no limit. */
export function quotaReached(limit: number, used: number): boolean {
  return limit > 0 && used >= limit;
}

/** A plan's monthly AI messages, used up. */
export interface ExhaustedQuota {
  limit: number;
  used: number;
  month: string;
}

/** Why the AI stops answering, for the person who takes over and for the playground's caller. */
export function quotaExhaustedMessage(q: ExhaustedQuota): string {
  return (
    `The plan's monthly AI messages are used up (${q.used} of ${q.limit} in ${q.month}, UTC): ` +
    "the assistant answers again when the limit is raised or the next month starts."
  );
}

/**
 * The turn's answer when the plan's monthly AI messages are used up: no message, no model, and a
 * handoff, so the conversation waits for a person instead of for an answer that will not come.
 */
export function quotaHandoffReply(q: ExhaustedQuota): GeneratedReply {
  return {
    // No provider answered.
    provider: ModelProvider.UNSPECIFIED,
    parts: [],
    citations: [],
    actions: [handoffAction(quotaExhaustedMessage(q))],
    usage: zeroUsage(ModelProvider.UNSPECIFIED, ""),
    model: "",
    finishReason: FinishReason.TOOL_CALLS,
    offline: false,
  };
}
