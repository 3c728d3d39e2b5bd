import { isUuid } from "@atendo/db";
import type { ChannelDirectoryService } from "@atendo/proto/tenant/v1";
import { ResolveChannelResponseSchema } from "@atendo/proto/tenant/v1";
import { createTtlCache } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { CallOptions, Client } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ResolvedChannel, resolvedChannelFrom } from "../domain/resolved-channel.js";
import type { RedisChannelCache } from "../store/redis-channel-cache.js";

export type { ResolvedChannel } from "../domain/resolved-channel.js";

/** The tenant service could not answer; the caller answers 503 so Meta retries later. */
export class ChannelLookupError extends Error {
  override readonly name = "ChannelLookupError";
}

export interface ChannelDirectory {
  /**
   * The channel, or undefined when no channel has this id. `fresh` skips this process's memory
   * (Redis and the tenant service still answer): for decisions that must not act on the few
   * seconds another replica's change takes to reach this one.
   */
  resolve(channelId: string, options?: { fresh?: boolean }): Promise<ResolvedChannel | undefined>;
  /**
   * Forgets a channel (its settings or status changed): in this process's memory, the unknown-id
   * memory included, and in Redis. Memory is dropped even when Redis fails (which then throws).
   */
  forget(channelId: string): Promise<void>;
  /** Forgets every channel of a tenant (suspended or reactivated), the same way. */
  forgetTenant(tenantId: string): Promise<void>;
}

export type ChannelResolver = Pick<Client<typeof ChannelDirectoryService>, "resolveChannel">;

export interface ChannelDirectoryOptions {
  /** ResolveChannel, called with this service's own token. */
  channels: ChannelResolver;
  /** The layer shared by the replicas. */
  shared: RedisChannelCache;
  /**
   * How long an answer is reused from this process's memory (≤ 2 s): every replica forgets on the
   * tenant events, this bounds what an event that never arrived leaves behind.
   */
  localTtlMs: number;
  /** How long an unknown id is remembered as unknown (in memory only). */
  negativeTtlMs: number;
  logger: Logger;
  /** Bound of the memory layer (random ids must not grow it without limit). Default 10 000. */
  maxEntries?: number;
  /** Deadline of one ResolveChannel call. Default 5 s. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * ResolveChannel behind two caches: a short one in process memory, then the sealed Redis entry
 * shared by every replica (dropped by the channel and tenant events), then the tenant service.
 * Concurrent lookups of one id share one call. Redis being down slows lookups, never stops them.
 */
export function createChannelDirectory(options: ChannelDirectoryOptions): ChannelDirectory {
  const { shared, logger } = options;
  const local = createTtlCache<ResolvedChannel | undefined>({
    maxEntries: options.maxEntries ?? 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const inFlight = new Map<string, Promise<ResolvedChannel | undefined>>();
  const callOptions: CallOptions = { timeoutMs: options.timeoutMs ?? 5_000 };

  async function readShared(channelId: string): Promise<{ channel?: ResolvedChannel; epoch?: string }> {
    try {
      const { bytes, epoch } = await shared.read(channelId);
      if (bytes === undefined) return { epoch };
      return { channel: resolvedChannelFrom(fromBinary(ResolveChannelResponseSchema, bytes)), epoch };
    } catch (err) {
      logger.warn({ err, channel_id: channelId }, "channel cache unavailable: asking the tenant service");
      return {};
    }
  }

  async function writeShared(channelId: string, tenantId: string, bytes: Uint8Array, epoch: string) {
    try {
      await shared.write(channelId, tenantId, bytes, epoch);
    } catch (err) {
      logger.warn({ err, channel_id: channelId }, "caching a channel lookup failed");
    }
  }

  async function fetchChannel(channelId: string): Promise<ResolvedChannel | undefined> {
    // A lookup that started before an invalidation must not refill memory after it.
    const startedAt = local.mark();
    const remember = (channel: ResolvedChannel | undefined, ttlMs: number) => {
      local.set(channelId, channel, { ttlMs, ifUnchangedSince: startedAt });
    };
    const cached = await readShared(channelId);
    if (cached.channel !== undefined) {
      remember(cached.channel, options.localTtlMs);
      return cached.channel;
    }
    try {
      const res = await options.channels.resolveChannel(
        { key: { case: "channelId", value: channelId } },
        callOptions,
      );
      const channel = resolvedChannelFrom(res);
      if (cached.epoch !== undefined) {
        await writeShared(channelId, res.tenantId, toBinary(ResolveChannelResponseSchema, res), cached.epoch);
      }
      remember(channel, options.localTtlMs);
      return channel;
    } catch (err) {
      const code = err instanceof ConnectError ? err.code : undefined;
      if (code === Code.NotFound || code === Code.InvalidArgument) {
        remember(undefined, options.negativeTtlMs);
        return undefined;
      }
      throw new ChannelLookupError(`channel lookup failed: ${ConnectError.from(err).message}`, {
        cause: err,
      });
    }
  }

  function lookup(channelId: string): Promise<ResolvedChannel | undefined> {
    let pending = inFlight.get(channelId);
    if (pending === undefined) {
      const started = fetchChannel(channelId).finally(() => {
        if (inFlight.get(channelId) === started) inFlight.delete(channelId);
      });
      pending = started;
      inFlight.set(channelId, pending);
    }
    return pending;
  }

  return {
    async resolve(channelId, resolveOptions = {}) {
      // Not a UUID: no channel can have it, and the tenant service need not be asked.
      if (!isUuid(channelId)) return undefined;
      const hit = resolveOptions.fresh === true ? undefined : local.hit(channelId);
      if (hit !== undefined) return hit.value;
      return lookup(channelId);
    },
    async forget(channelId) {
      const dropLocal = () => {
        local.delete(channelId);
        inFlight.delete(channelId);
      };
      dropLocal();
      // Again once Redis is clean: a lookup that read the old entry meanwhile must not keep it.
      await shared.invalidate(channelId).finally(dropLocal);
    },
    async forgetTenant(tenantId) {
      const dropLocal = () => {
        local.deleteWhere((c) => c?.tenantId === tenantId);
        inFlight.clear();
      };
      dropLocal();
      await shared.invalidateTenant(tenantId).finally(dropLocal);
    },
  };
}
