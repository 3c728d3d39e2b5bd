import { isUuid } from "@atendo/db";
import type { ChannelType } from "@atendo/proto/common/v1";
import type { ChannelService, ChannelStatus } from "@atendo/proto/tenant/v1";
import type { CallOptions, Client } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createTtlCache } from "./ttl-cache.js";

/** What ingress needs to know about a channel to accept its webhooks. */
export interface ResolvedChannel {
  channelId: string;
  tenantId: string;
  workspaceId: string;
  type: ChannelType;
  status: ChannelStatus;
  tenantSuspended: boolean;
  /** WhatsApp channels only; the app secret and verify token are decrypted and never leave memory. */
  whatsapp?: { phoneNumberId: string; appSecret: string; verifyToken: string };
}

/** The tenant service could not answer; the caller answers 503 so Meta retries later. */
export class ChannelLookupError extends Error {
  override readonly name = "ChannelLookupError";
}

export interface ChannelDirectory {
  /** The channel, or undefined when no channel has this id. */
  resolve(channelId: string): Promise<ResolvedChannel | undefined>;
  /** Forgets a channel (its settings changed). */
  forget(channelId: string): void;
}

export type ChannelResolver = Pick<Client<typeof ChannelService>, "resolveChannel">;

export interface ChannelDirectoryOptions {
  channels: ChannelResolver;
  /** How long a found channel is reused. */
  ttlMs: number;
  /** How long an unknown id is remembered as unknown. */
  negativeTtlMs: number;
  /** Bound of the cache (random ids must not grow it without limit). Default 10 000. */
  maxEntries?: number;
  /** Deadline of one ResolveChannel call. Default 5 s. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * ResolveChannel through an in-process cache: secrets stay in this process's memory (never in
 * Redis), unknown ids are remembered briefly, and concurrent lookups of one id share one call.
 */
export function createChannelDirectory(options: ChannelDirectoryOptions): ChannelDirectory {
  const cache = createTtlCache<ResolvedChannel | undefined>({
    maxEntries: options.maxEntries ?? 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const inFlight = new Map<string, Promise<ResolvedChannel | undefined>>();
  const callOptions: CallOptions = { timeoutMs: options.timeoutMs ?? 5_000 };

  async function fetchChannel(channelId: string): Promise<ResolvedChannel | undefined> {
    try {
      const res = await options.channels.resolveChannel(
        { key: { case: "channelId", value: channelId } },
        callOptions,
      );
      const channel: ResolvedChannel = {
        channelId: res.channelId,
        tenantId: res.tenantId,
        workspaceId: res.workspaceId,
        type: res.type,
        status: res.status,
        tenantSuspended: res.tenantSuspended,
      };
      if (res.credentials.case === "whatsapp") {
        const c = res.credentials.value;
        channel.whatsapp = {
          phoneNumberId: c.phoneNumberId,
          appSecret: c.appSecret,
          verifyToken: c.verifyToken,
        };
      }
      cache.set(channelId, channel, options.ttlMs);
      return channel;
    } catch (err) {
      const code = err instanceof ConnectError ? err.code : undefined;
      if (code === Code.NotFound || code === Code.InvalidArgument) {
        cache.set(channelId, undefined, options.negativeTtlMs);
        return undefined;
      }
      throw new ChannelLookupError(`channel lookup failed: ${ConnectError.from(err).message}`, {
        cause: err,
      });
    }
  }

  return {
    async resolve(channelId) {
      // Not a UUID: no channel can have it, and the tenant service need not be asked.
      if (!isUuid(channelId)) return undefined;
      if (cache.has(channelId)) return cache.get(channelId);
      let pending = inFlight.get(channelId);
      if (pending === undefined) {
        pending = fetchChannel(channelId).finally(() => inFlight.delete(channelId));
        inFlight.set(channelId, pending);
      }
      return pending;
    },
    forget(channelId) {
      cache.delete(channelId);
    },
  };
}
