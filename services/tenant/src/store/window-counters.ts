import type { Redis } from "ioredis";

/** A counter, its limit, and its fixed window (started by the window's first attempt). */
export interface CountedKey {
  key: string;
  max: number;
  windowMs: number;
}

/**
 * Fixed-window counters in Redis whose checks and increments are one script: either every counter
 * is under its limit and all of them count the attempt, or none does. Concurrent callers therefore
 * never get more attempts than the limits, however many arrive at once.
 */
/** A counter at its limit, and when its window ends. */
export interface FullCounter {
  key: CountedKey;
  /** Until the counter's window ends (at least 1 ms). */
  retryAfterMs: number;
}

export interface WindowCounters {
  /** Counts one attempt on every key; the first key at its limit (nothing counted), or undefined. */
  reserve(keys: readonly CountedKey[]): Promise<FullCounter | undefined>;
  /** Gives one attempt back to `key` (never below zero). */
  release(key: string): Promise<void>;
  /** Starts `key` over. */
  clear(key: string): Promise<void>;
}

// KEYS: the counters; ARGV: each key's limit and window in ms, in pairs. Returns the 1-based index
// of the first counter at its limit and the ms left in its window, or {0, 0} after counting the
// attempt everywhere. The first increment of a window sets its expiry.
const RESERVE = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    return {i, redis.call('PTTL', key)}
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
end
return {0, 0}`;

const RELEASE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

export function createWindowCounters(redis: Redis): WindowCounters {
  return {
    async reserve(keys) {
      const limits = keys.flatMap((k) => [k.max, k.windowMs]);
      const [index, ttlMs] = (await redis.eval(
        RESERVE,
        keys.length,
        ...keys.map((k) => k.key),
        ...limits,
      )) as [number, number];
      const key = index === 0 ? undefined : keys[index - 1];
      // A counter without expiry (never, but PTTL says -1) waits a whole window.
      return key === undefined ? undefined : { key, retryAfterMs: ttlMs > 0 ? ttlMs : key.windowMs };
    },
    async release(key) {
      await redis.eval(RELEASE, 1, key);
    },
    async clear(key) {
      await redis.del(key);
    },
  };
}
