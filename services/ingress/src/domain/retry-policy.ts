import { retryDelayMs } from "@atendo/bus";

/** How often and how far apart the sweeper tries to publish a queued delivery. */
export interface RetryPolicy {
  maxAttempts: number;
  initialMs: number;
  maxMs: number;
}

export type AfterFailure = { failed: true } | { failed: false; delayMs: number };

/**
 * What follows the `attempts`-th failed attempt: after the last one the row is `failed` for good
 * (until an operator replays it); before, the next attempt waits initial * 2^(n-1), capped, shortened
 * by up to 20% so rows that failed together do not all come back at once (the bus's backoff).
 */
export function afterFailedAttempt(
  attempts: number,
  policy: RetryPolicy,
  random?: () => number,
): AfterFailure {
  if (attempts >= policy.maxAttempts) return { failed: true };
  return {
    failed: false,
    delayMs: retryDelayMs(attempts, { initial: policy.initialMs, max: policy.maxMs }, random),
  };
}
