import { createLimiter } from "@atendo/service-kit";
import type { Redis } from "ioredis";

export interface RejectedRequestLimits {
  windowMs: number;
  perChannel: number;
  perIp: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

/**
 * Counts badly signed webhook requests per channel and per client address over a fixed window in
 * Redis (`<prefix>webhook-rejects:channel:<id>`, `...:ip:<address>`). Past either limit a request is
 * refused before anything is stored: an unauthenticated sender costs one counter, never a row.
 */
export interface RejectedRequestLimiter {
  /** Counts the request and says whether it may still be recorded. */
  admit(channelId: string, ip: string): Promise<Admission>;
}

export function createRejectedRequestLimiter(
  redis: Redis,
  limits: RejectedRequestLimits,
): RejectedRequestLimiter {
  const limiter = createLimiter(redis);
  return {
    async admit(channelId, ip) {
      const { windowMs } = limits;
      // Every bad request counts, refused ones too: a flood keeps both counters at their limits.
      const verdict = await limiter.take(
        [
          { kind: "window", key: `webhook-rejects:channel:${channelId}`, max: limits.perChannel, windowMs },
          { kind: "window", key: `webhook-rejects:ip:${ip}`, max: limits.perIp, windowMs },
        ],
        { countRefused: true },
      );
      // The first counter over its limit says when to come back: the channel's, else the address's.
      const refused = verdict.keys.find((k) => !k.allowed);
      return refused === undefined
        ? { admitted: true }
        : { admitted: false, retryAfterMs: refused.retryAfterMs };
    },
  };
}
