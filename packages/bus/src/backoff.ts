export type Backoff = { initial: number; max: number };

export const DEFAULT_BACKOFF: Backoff = { initial: 1_000, max: 60_000 };

/**
 * Delay before the next delivery after `deliveryCount` failed ones: initial * 2^(n-1), capped at max,
 * then shortened by up to 20% so events that failed together do not all come back at the same instant.
 */
export function retryDelayMs(
  deliveryCount: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(deliveryCount - 1, 30));
  const capped = Math.min(backoff.max, backoff.initial * 2 ** exponent);
  return Math.max(1, Math.round(capped * (1 - 0.2 * random())));
}

export function assertBackoff(backoff: Backoff): void {
  if (!Number.isInteger(backoff.initial) || backoff.initial < 1) {
    throw new RangeError(`backoffMs.initial must be an integer >= 1, got ${backoff.initial}`);
  }
  if (!Number.isInteger(backoff.max) || backoff.max < backoff.initial) {
    throw new RangeError(`backoffMs.max must be an integer >= backoffMs.initial, got ${backoff.max}`);
  }
}
