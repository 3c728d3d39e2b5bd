import { pgText } from "@atendo/db";
import type { ChannelType } from "@atendo/proto/common/v1";
import {
  type ChannelDirectoryService,
  ChannelStatus,
  type ResolveChannelResponse,
} from "@atendo/proto/tenant/v1";
import { createTtlCache, withCorrelationId } from "@atendo/service-kit";
import { type Client, Code, ConnectError } from "@connectrpc/connect";

/** WhatsApp credentials of a channel, as the send API needs them. */
export interface WhatsAppTarget {
  phoneNumberId: string;
  accessToken: string;
  graphApiBaseUrl: string;
  graphApiVersion: string;
}

export interface ResolvedChannel {
  channelId: string;
  tenantId: string;
  workspaceId: string;
  type: ChannelType;
  status: ChannelStatus;
  tenantSuspended: boolean;
  whatsapp?: WhatsAppTarget;
}

export interface ResolveOptions {
  correlationId: string;
  signal?: AbortSignal;
  /** Skip the cache (after the channel refused our token). */
  fresh?: boolean;
}

/**
 * The channel lookups delivery needs from the tenant service, with a short in-memory cache that the
 * tenant's events (channel updated or status changed, tenant suspended or reactivated) clear at once.
 * Calls carry this service's token (ResolveChannel and SetChannelStatus are internal).
 */
export interface ChannelDirectory {
  resolve(channelId: string, options: ResolveOptions): Promise<ResolvedChannel>;
  invalidate(channelId: string): void;
  /** Forgets every cached channel of a tenant (suspended or reactivated). */
  invalidateTenant(tenantId: string): void;
  /** Marks the channel NEEDS_RECONNECT (its token was refused) and forgets the cached copy. */
  markNeedsReconnect(
    tenantId: string,
    channelId: string,
    reason: string,
    correlationId: string,
  ): Promise<void>;
}

/** The tenant service does not know the channel (deleted, or a bad id in the event). */
export class ChannelNotFoundError extends Error {
  override readonly name = "ChannelNotFoundError";
}

function toResolved(res: ResolveChannelResponse): ResolvedChannel {
  const resolved: ResolvedChannel = {
    channelId: res.channelId,
    tenantId: res.tenantId,
    workspaceId: res.workspaceId,
    type: res.type,
    status: res.status,
    tenantSuspended: res.tenantSuspended,
  };
  if (res.credentials.case === "whatsapp") {
    const c = res.credentials.value;
    resolved.whatsapp = {
      phoneNumberId: c.phoneNumberId,
      accessToken: c.accessToken,
      graphApiBaseUrl: c.graphApiBaseUrl,
      graphApiVersion: c.graphApiVersion,
    };
  }
  return resolved;
}

export function createChannelDirectory(deps: {
  client: Client<typeof ChannelDirectoryService>;
  ttlMs: number;
  now?: () => number;
}): ChannelDirectory {
  const { client } = deps;
  // Channels of one process stay far below its bound, which only protects memory from a flood of ids.
  const cache = createTtlCache<ResolvedChannel>({ ttlMs: deps.ttlMs, now: deps.now });
  const inFlight = new Map<string, Promise<ResolvedChannel>>();

  async function load(channelId: string, options: ResolveOptions): Promise<ResolvedChannel> {
    // An invalidation meanwhile may concern this answer: it serves its own caller but is not kept.
    const startedAt = cache.mark();
    try {
      const res = await client.resolveChannel(
        { key: { case: "channelId", value: channelId } },
        withCorrelationId(options.correlationId, options.signal ? { signal: options.signal } : {}),
      );
      const value = toResolved(res);
      cache.set(channelId, value, { ifUnchangedSince: startedAt });
      return value;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) {
        cache.delete(channelId);
        throw new ChannelNotFoundError(`channel ${channelId} not found`, { cause: err });
      }
      throw err;
    }
  }

  function invalidate(channelId: string): void {
    cache.delete(channelId);
    inFlight.delete(channelId);
  }

  return {
    resolve(channelId, options) {
      const hit = cache.get(channelId);
      if (!options.fresh && hit !== undefined) return Promise.resolve(hit);
      // Concurrent sends on one channel share a lookup.
      const pending = inFlight.get(channelId);
      if (pending !== undefined && !options.fresh) return pending;
      const loading = load(channelId, options).finally(() => {
        if (inFlight.get(channelId) === loading) inFlight.delete(channelId);
      });
      inFlight.set(channelId, loading);
      return loading;
    },
    invalidate,
    invalidateTenant(tenantId) {
      cache.deleteWhere((channel) => channel.tenantId === tenantId);
      // Lookups on their way may predate the change: later callers start their own.
      inFlight.clear();
    },
    async markNeedsReconnect(tenantId, channelId, reason, correlationId) {
      invalidate(channelId);
      await client.setChannelStatus(
        // The reason quotes the channel's error text: the tenant service stores it.
        { tenantId, channelId, status: ChannelStatus.NEEDS_RECONNECT, reason: pgText(reason.slice(0, 500)) },
        withCorrelationId(correlationId),
      );
    },
  };
}
