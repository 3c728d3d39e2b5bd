import type { Redis } from "ioredis";

/**
 * The reply buffer's Redis state: `buffer:due` (member -> deadline, ms) and `buffer:leased` (member ->
 * lease deadline, ms) of conversations being flushed, under the client's REDIS_KEY_PREFIX. Every
 * transition is one Lua script, so replicas never both own a member and a dead flusher's lease is
 * handed back. Redis is a schedule, not the truth: Postgres still knows every pending turn.
 */
export interface BufferStore {
  /** Sets the member's deadline (debounce: each new message moves it). */
  arm(member: string, deadline: number): Promise<void>;
  /** Arms only when the member is neither due nor leased (sweep and redeliveries). */
  armIfAbsent(member: string, deadline: number): Promise<boolean>;
  /**
   * Returns expired leases to due, then moves up to `limit` due members (not currently leased) to
   * leased with `leaseDeadline`, and returns them.
   */
  claimDue(now: number, leaseDeadline: number, limit: number): Promise<string[]>;
  /** Drops the lease if it is still the one taken with `leaseDeadline` (a later claim keeps its own). */
  release(member: string, leaseDeadline: number): Promise<void>;
  /** Gives a failed flush back: drops our lease and makes the member due at `retryAt` unless already due. */
  retry(member: string, leaseDeadline: number, retryAt: number): Promise<void>;
  /** Earliest due deadline, if any. */
  nextDeadline(): Promise<number | undefined>;
  readonly keys: { due: string; leased: string };
}

const CLAIM = `
local expired = redis.call('ZRANGE', KEYS[2], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for _, m in ipairs(expired) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], 'NX', ARGV[1], m)
end
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
local claimed = {}
for _, m in ipairs(due) do
  if redis.call('ZSCORE', KEYS[2], m) == false then
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZADD', KEYS[2], ARGV[2], m)
    claimed[#claimed + 1] = m
  end
end
return claimed`;

const ARM_IF_ABSENT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZSCORE', KEYS[2], ARGV[1]) == false then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  return 1
end
return 0`;

const RELEASE = `
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1]) end
  return 1
end
return 0`;

export function createBufferStore(deps: { redis: Redis }): BufferStore {
  const { redis } = deps;
  // The scripts name them as KEYS, so the client's prefix reaches them too.
  const keys = { due: "buffer:due", leased: "buffer:leased" };

  return {
    keys,
    async arm(member, deadline) {
      await redis.zadd(keys.due, deadline, member);
    },
    async armIfAbsent(member, deadline) {
      const added = await redis.eval(ARM_IF_ABSENT, 2, keys.due, keys.leased, member, deadline);
      return added === 1;
    },
    async claimDue(now, leaseDeadline, limit) {
      const claimed = await redis.eval(CLAIM, 2, keys.due, keys.leased, now, leaseDeadline, limit);
      return Array.isArray(claimed) ? claimed.filter((m): m is string => typeof m === "string") : [];
    },
    async release(member, leaseDeadline) {
      await redis.eval(RELEASE, 2, keys.due, keys.leased, member, leaseDeadline, "");
    },
    async retry(member, leaseDeadline, retryAt) {
      await redis.eval(RELEASE, 2, keys.due, keys.leased, member, leaseDeadline, retryAt);
    },
    async nextDeadline() {
      const reply: unknown = await redis.zrange(keys.due, 0, "0", "WITHSCORES");
      // RESP2 answers [member, score]; RESP3 [[member, score]].
      const flat = Array.isArray(reply) ? reply.flat() : [];
      const score = flat[1];
      return score === undefined ? undefined : Number(score);
    },
  };
}
