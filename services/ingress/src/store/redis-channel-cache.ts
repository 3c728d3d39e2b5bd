import type { Redis } from "ioredis";
import type { ChannelSeal } from "../domain/channel-seal.js";

/**
 * ResolveChannel answers shared by every ingress replica in Redis (`<prefix>channel:<id>`), sealed
 * (they carry decrypted secrets) and dropped by the tenant service's events.
 *
 * A lookup that misses reads the invalidation epoch with the entry and writes its answer back only
 * if no invalidation happened meanwhile, so an answer fetched before a change can never be stored
 * after the change dropped the entry.
 */
export interface RedisChannelCache {
  /** The cached ResolveChannelResponse bytes (undefined: a miss) and the epoch to write back under. */
  read(channelId: string): Promise<{ bytes: Uint8Array | undefined; epoch: string }>;
  /** Stores the bytes unless an invalidation happened since `epoch` was read; true when stored. */
  write(channelId: string, tenantId: string, bytes: Uint8Array, epoch: string): Promise<boolean>;
  /** Drops one channel's entry. */
  invalidate(channelId: string): Promise<void>;
  /** Drops the entries of every channel of a tenant. */
  invalidateTenant(tenantId: string): Promise<void>;
}

export interface RedisChannelCacheOptions {
  /** A client whose keyPrefix is the service's REDIS_KEY_PREFIX. */
  redis: Redis;
  seal: ChannelSeal;
  ttlMs: number;
}

const EPOCH_KEY = "channel:epoch";
const entryKey = (channelId: string) => `channel:${channelId}`;
const tenantKey = (tenantId: string) => `channel-tenant:${tenantId}`;

// KEYS: epoch, entry, tenant set. ARGV: epoch read before the lookup, sealed bytes, ttl ms, channel id.
const WRITE_IF_UNCHANGED = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`;

export function createRedisChannelCache(options: RedisChannelCacheOptions): RedisChannelCache {
  const { redis, seal, ttlMs } = options;
  return {
    async read(channelId) {
      const [sealed, epoch] = await redis.mgetBuffer(entryKey(channelId), EPOCH_KEY);
      const bytes = sealed == null ? undefined : seal.open(channelId, sealed);
      // An entry that does not open (another key after a rotation, tampered) is a miss.
      return { bytes, epoch: epoch == null ? "" : epoch.toString("utf8") };
    },
    async write(channelId, tenantId, bytes, epoch) {
      const stored = await redis.eval(
        WRITE_IF_UNCHANGED,
        3,
        EPOCH_KEY,
        entryKey(channelId),
        tenantKey(tenantId),
        epoch,
        seal.seal(channelId, bytes),
        ttlMs,
        channelId,
      );
      return stored === 1;
    },
    async invalidate(channelId) {
      // The epoch moves first: a lookup in flight cannot write its older answer after the delete.
      await redis.multi().incr(EPOCH_KEY).del(entryKey(channelId)).exec();
    },
    async invalidateTenant(tenantId) {
      await redis.incr(EPOCH_KEY);
      const channelIds = await redis.smembers(tenantKey(tenantId));
      await redis.del(...channelIds.map(entryKey), tenantKey(tenantId));
    },
  };
}
