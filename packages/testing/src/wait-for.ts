import { setTimeout as delay } from "node:timers/promises";
import { inspect } from "node:util";

export type Truthy<T> = Exclude<T, false | 0 | 0n | "" | null | undefined>;

export interface WaitForOptions {
  /** Give up after this long; default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts; default 25 ms. */
  intervalMs?: number;
  /** What was awaited, for the timeout error; a function is called when the wait times out. */
  message?: string | (() => string);
}

const PENDING = Symbol("pending");

/**
 * Polls `fn` until it returns a truthy value (sync or async) and returns that value. A thrown error
 * counts as "not yet". On timeout, throws with the message and the last error or value. An attempt
 * that never settles is abandoned at the deadline.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown = PENDING;
  let attempts = 0;

  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    const timer = new AbortController();
    try {
      const value = await Promise.race([
        Promise.resolve().then(fn),
        delay(Math.max(remaining, 0), PENDING, { signal: timer.signal }),
      ]);
      if (value !== PENDING) {
        lastError = undefined;
        lastValue = value;
        if (value) return value as Truthy<T>;
      }
    } catch (err) {
      lastError = err;
    } finally {
      timer.abort();
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }

  const what = typeof options.message === "function" ? options.message() : (options.message ?? "condition");
  const last =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)}`
      : lastValue === PENDING
        ? "the last attempt had not settled"
        : `last value: ${inspect(lastValue, { depth: 2 })}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms (${attempts} attempts): ${what}; ${last}`, {
    cause: lastError,
  });
}
