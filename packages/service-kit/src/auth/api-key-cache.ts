import { createHash } from "node:crypto";
import { createTtlCache } from "../cache/ttl-cache.js";
import type { Clock } from "./clock.js";
import { monotonicClock } from "./clock.js";
import type { ApiKeyPrincipal } from "./principal.js";
import { createSingleFlight } from "./single-flight.js";

/** Every Atendo API key starts with this (`atd_live_<prefix>_<secret>`). */
export const API_KEY_PREFIX = "atd_live_";

/** What the tenant service says about a key: its principal and how long that answer may be reused. */
export interface ApiKeyIntrospection {
  principal: ApiKeyPrincipal;
  cacheTtlMs: number;
}

export interface ApiKeyCacheOptions {
  /** Asks the tenant service; undefined for an unknown, expired or revoked key. Throws when it cannot answer. */
  introspect: (apiKey: string) => Promise<ApiKeyIntrospection | undefined>;
  /** Default 10 000 keys. */
  maxEntries?: number;
  clock?: Clock;
}

export interface ApiKeyCache {
  /** The key's principal, or undefined when the key is not valid. Throws when introspection fails. */
  resolve(apiKey: string): Promise<ApiKeyPrincipal | undefined>;
  /** Forgets every cached answer for this key (on `ApiKeyRevoked`). */
  evict(apiKeyId: string): void;
}

// docs/auth.md: a revoked key stops working within seconds everywhere.
const MAX_TTL_MS = 5000;
// Unknown keys are remembered briefly so a client retrying a bad key does not flood the tenant service.
const NEGATIVE_TTL_MS = 1000;
const MAX_KEY_CHARS = 256;

type Entry = { principal: ApiKeyPrincipal } | { principal: undefined };

/**
 * Caches API key introspection by the SHA-256 of the key (the secret itself is never kept), each
 * answer for at most the ttl the tenant service gave (capped at 5 s), unknown keys for 1 s.
 */
export function createApiKeyCache(options: ApiKeyCacheOptions): ApiKeyCache {
  const clock = options.clock ?? monotonicClock;
  const cache = createTtlCache<Entry>({ maxEntries: options.maxEntries, now: clock });
  const once = createSingleFlight<string, Entry>();

  const introspect = async (apiKey: string, hash: string): Promise<Entry> => {
    // An introspection that started before a revocation must not cache its answer.
    const started = cache.mark();
    const answer = await options.introspect(apiKey);
    const entry: Entry = { principal: answer?.principal };
    const ttlMs = answer === undefined ? NEGATIVE_TTL_MS : Math.min(answer.cacheTtlMs, MAX_TTL_MS);
    cache.set(hash, entry, { ttlMs, ifUnchangedSince: started });
    return entry;
  };

  return {
    async resolve(apiKey) {
      if (!apiKey.startsWith(API_KEY_PREFIX) || apiKey.length > MAX_KEY_CHARS) return undefined;
      const hash = digest(apiKey);
      // Keyed by generation too: a call after an eviction never joins a lookup started before it.
      const entry =
        cache.get(hash) ?? (await once(`${cache.mark()}:${hash}`, () => introspect(apiKey, hash)));
      return entry.principal;
    },
    evict(apiKeyId) {
      cache.deleteWhere((entry) => entry.principal?.apiKeyId === apiKeyId);
    },
  };
}

function digest(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("base64url");
}
