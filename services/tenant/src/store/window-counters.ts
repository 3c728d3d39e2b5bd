import { createLimiter, type WindowKeyLimit } from "@atendo/service-kit";
import type { Redis } from "ioredis";

/** A counter, its limit, and its fixed window (started by the window's first attempt). */
export interface CountedKey {
  key: string;
  max: number;
  windowMs: number;
}

/** A counter at its limit, and when its window ends. */
export interface FullCounter {
  key: CountedKey;
  /** Until the counter's window ends (at least 1 ms). */
  retryAfterMs: number;
}

/**
 * Fixed-window counters in Redis (service-kit's limiter, window keys): either every counter is under
 * its limit and all of them count the attempt, or none does. Concurrent callers therefore never get
 * more attempts than the limits, however many arrive at once. A window, not a rate: a lockout lasts
 * until the window opened by the first attempt ends, and its count is what an operator reads.
 */
export interface WindowCounters {
  /** Counts one attempt on every key; the first key at its limit (nothing counted), or undefined. */
  reserve(keys: readonly CountedKey[]): Promise<FullCounter | undefined>;
  /** Gives one attempt back to `key` (never below zero). */
  release(key: string): Promise<void>;
  /** Starts `key` over. */
  clear(key: string): Promise<void>;
}

const windowOf = ({ key, max, windowMs }: CountedKey): WindowKeyLimit => ({
  kind: "window",
  key,
  max,
  windowMs,
});

export function createWindowCounters(redis: Redis): WindowCounters {
  const limiter = createLimiter(redis);
  return {
    async reserve(keys) {
      const verdict = await limiter.take(keys.map(windowOf));
      const index = verdict.keys.findIndex((k) => !k.allowed);
      const key = keys[index];
      return key === undefined ? undefined : { key, retryAfterMs: verdict.keys[index]?.retryAfterMs ?? 1 };
    },
    release: (key) => limiter.giveBack([{ kind: "window", key }]),
    clear: (key) => limiter.reset([key]),
  };
}
