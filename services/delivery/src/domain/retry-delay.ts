import type { FailedOutcome } from "./send-outcome.js";

export interface RetryPolicy {
  /** Delay after the first failed delivery; doubles with each further one. */
  initialMs: number;
  /** Cap of that delay. */
  maxMs: number;
}

/** initial * 2^(deliveries-1), capped at max. */
export function backoffMs(deliveryCount: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, Math.min(deliveryCount - 1, 30));
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}

/**
 * When to try a retryable failure again. The pair rate limit's own delay comes from the pacer (it
 * depends on earlier strikes against the same recipient); a Retry-After from the channel is honoured
 * when longer than our backoff.
 */
export function retryDelayMs(
  outcome: FailedOutcome,
  deliveryCount: number,
  policy: RetryPolicy,
  pairDelayMs: number,
): number {
  const base = backoffMs(deliveryCount, policy);
  // 0 when the pacer could not say (Redis down): fall back to the plain backoff.
  if (outcome.kind === "pair_rate_limit") return pairDelayMs > 0 ? pairDelayMs : base;
  return Math.max(base, outcome.retryAfterMs ?? 0);
}

// 4^n seconds grows past an hour at n = 6; a recipient is never held longer than that.
const PAIR_DELAY_CAP_MS = 3_600_000;

/** WhatsApp 131056: retry that recipient after 4^n seconds (n = strikes so far, from 1). */
export function pairRateLimitDelayMs(strikes: number, unitMs: number): number {
  const n = Math.max(1, Math.min(strikes, 20));
  return Math.min(PAIR_DELAY_CAP_MS, unitMs * 4 ** n);
}
