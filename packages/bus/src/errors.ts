/**
 * A failure worth retrying (a dependency is down, a lock timed out): the event is redelivered after a
 * delay. Any error that is not a PermanentError is treated the same way.
 */
export class TransientError extends Error {
  override readonly name = "TransientError";
  /** Overrides the computed backoff, e.g. from a Retry-After header. */
  readonly delayMs: number | undefined;

  constructor(message: string, options: { cause?: unknown; delayMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.delayMs = options.delayMs;
  }
}

/** A failure that no retry can fix (invalid content, a rule violated): the event is dead-lettered at once. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
