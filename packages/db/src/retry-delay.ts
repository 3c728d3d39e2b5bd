export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait after the `attempt`-th failure: initialMs doubled per earlier failure, capped at maxMs,
 * then up to a fifth shorter, so rows that failed together do not all come back at once.
 */
export function backoffDelayMs(
  attempt: number,
  backoff: RetryBackoff,
  random: () => number = Math.random,
): number {
  const doubled = backoff.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  return Math.max(1, Math.round(Math.min(backoff.maxMs, doubled) * (1 - random() / 5)));
}

export function assertBackoff(name: string, backoff: RetryBackoff): void {
  if (!Number.isInteger(backoff.initialMs) || backoff.initialMs < 1) {
    throw new RangeError(`invalid ${name}.initialMs ${backoff.initialMs}: expected an integer >= 1`);
  }
  if (!Number.isInteger(backoff.maxMs) || backoff.maxMs < backoff.initialMs) {
    throw new RangeError(`invalid ${name}.maxMs ${backoff.maxMs}: expected an integer >= initialMs`);
  }
}
