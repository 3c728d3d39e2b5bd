import type { Redis } from "ioredis";
import { pairRateLimitDelayMs } from "../domain/retry-delay.js";
import type { SendOutcome } from "../domain/send-outcome.js";

export interface SendTarget {
  channelId: string;
  recipient: string;
}

/**
 * Decides when a send may go out. Today it holds back a recipient after WhatsApp's pair rate limit
 * (131056, 4^n seconds); per-business-number throughput (80/s) and per-recipient pacing of
 * multi-part replies plug in here later, shared by every replica through Redis.
 */
export interface SendPacer {
  /** Milliseconds to wait before sending to `target`; 0 to go now. */
  waitMs(target: SendTarget): Promise<number>;
  /** Learns from an attempt; returns how long `target` is now held back (0 when it is not). */
  record(target: SendTarget, outcome: SendOutcome["kind"]): Promise<number>;
}

// Strikes are forgotten after an hour without a pair rate limit.
const STRIKES_TTL_MS = 3_600_000;

export function createSendPacer(deps: { redis: Redis; pairUnitMs: number }): SendPacer {
  const { redis, pairUnitMs } = deps;
  // Under the client's REDIS_KEY_PREFIX.
  const base = (t: SendTarget) => `delivery:pair:${t.channelId}:${t.recipient}`;

  return {
    async waitMs(target) {
      const ttl = await redis.pttl(`${base(target)}:hold`);
      return Math.max(ttl, 0);
    },
    async record(target, outcome) {
      const key = base(target);
      if (outcome === "accepted") {
        await redis.del(`${key}:strikes`, `${key}:hold`);
        return 0;
      }
      if (outcome !== "pair_rate_limit") return 0;
      const results = await redis
        .multi()
        .incr(`${key}:strikes`)
        .pexpire(`${key}:strikes`, STRIKES_TTL_MS)
        .exec();
      const strikes = Number(results?.[0]?.[1] ?? 1);
      const delay = pairRateLimitDelayMs(strikes, pairUnitMs);
      await redis.set(`${key}:hold`, String(strikes), "PX", delay);
      return delay;
    },
  };
}
