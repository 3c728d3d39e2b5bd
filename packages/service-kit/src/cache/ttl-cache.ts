import { LRUCache } from "lru-cache";

// Each option may be given as undefined (the default): callers pass their own optional settings on.
export interface TtlCacheOptions {
  /** Entries kept; beyond it the least recently used goes first. Default 10 000. */
  maxEntries?: number | undefined;
  /** How long an entry lives unless `set` says otherwise. Default: until evicted or deleted. */
  ttlMs?: number | undefined;
  /** Milliseconds; tests pass their own clock to move time without waiting. Default monotonic. */
  now?: (() => number) | undefined;
}

export interface SetOptions {
  /** How long this entry lives (default the cache's `ttlMs`); 0 or less keeps nothing. */
  ttlMs?: number;
  /**
   * A `mark()` taken before the value was looked up: when anything was deleted since, the value may
   * predate that change and is not kept.
   */
  ifUnchangedSince?: number;
}

/** A bounded in-process cache whose entries expire, for answers of other services. */
export interface TtlCache<V> {
  get(key: string): V | undefined;
  /**
   * The live entry of the key, boxed (its value may itself be `undefined`: a lookup that found
   * nothing), or undefined when there is none. One look at the clock: a "has it?" then "get it"
   * could straddle the expiry and read an entry that is there as one that holds nothing.
   */
  hit(key: string): { readonly value: V } | undefined;
  /** Keeps the value; false when it was not kept (ttl 0, or changed since `ifUnchangedSince`). */
  set(key: string, value: V, options?: SetOptions): boolean;
  delete(key: string): void;
  /** Deletes every entry that matches. */
  deleteWhere(matches: (value: V, key: string) => boolean): void;
  clear(): void;
  /**
   * Counts the deletions so far: take it before a lookup and pass it to `set` as
   * `ifUnchangedSince`, so an answer that was on its way during an invalidation is not kept.
   */
  mark(): number;
  readonly size: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The one TTL cache of the services (lru-cache underneath). An entry is live for `ttlMs`
 * inclusive; `undefined` values are kept like any other (a lookup that found nothing).
 */
export function createTtlCache<V>(options: TtlCacheOptions = {}): TtlCache<V> {
  // Boxed: lru-cache cannot hold undefined.
  const entries = new LRUCache<string, { value: V }>({
    max: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    ...(options.ttlMs === undefined ? {} : { ttl: options.ttlMs }),
    ...(options.now === undefined ? {} : { perf: { now: options.now } }),
    // Read the clock at every look: expiry is exact, and a test clock is obeyed.
    ttlResolution: 0,
  });
  let deletions = 0;

  return {
    get: (key) => entries.get(key)?.value,
    hit: (key) => entries.get(key),
    set(key, value, setOptions = {}) {
      const ttlMs = setOptions.ttlMs ?? options.ttlMs;
      const since = setOptions.ifUnchangedSince;
      if (since !== undefined && since !== deletions) return false;
      if (ttlMs !== undefined && ttlMs <= 0) {
        // Not kept: an older entry must not answer for it either.
        entries.delete(key);
        return false;
      }
      entries.set(key, { value }, ttlMs === undefined ? {} : { ttl: ttlMs });
      return true;
    },
    delete(key) {
      deletions++;
      entries.delete(key);
    },
    deleteWhere(matches) {
      deletions++;
      for (const [key, entry] of entries.entries()) if (matches(entry.value, key)) entries.delete(key);
    },
    clear() {
      deletions++;
      entries.clear();
    },
    mark: () => deletions,
    get size() {
      return entries.size;
    },
  };
}
