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

// KEYS: channel counter, address counter. ARGV: window ms, channel limit, address limit.
// One script: both counters move and are judged together, whatever runs concurrently. Returns 0
// (admitted) or the milliseconds until the exhausted window ends.
const ADMIT = `
local channel = redis.call('INCR', KEYS[1])
if channel == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local address = redis.call('INCR', KEYS[2])
if address == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
if channel > tonumber(ARGV[2]) then return math.max(redis.call('PTTL', KEYS[1]), 1) end
if address > tonumber(ARGV[3]) then return math.max(redis.call('PTTL', KEYS[2]), 1) end
return 0`;

export function createRejectedRequestLimiter(
  redis: Redis,
  limits: RejectedRequestLimits,
): RejectedRequestLimiter {
  return {
    async admit(channelId, ip) {
      const wait = Number(
        await redis.eval(
          ADMIT,
          2,
          `webhook-rejects:channel:${channelId}`,
          `webhook-rejects:ip:${ip}`,
          limits.windowMs,
          limits.perChannel,
          limits.perIp,
        ),
      );
      return wait > 0 ? { admitted: false, retryAfterMs: wait } : { admitted: true };
    },
  };
}
