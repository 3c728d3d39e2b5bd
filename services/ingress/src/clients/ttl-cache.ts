/** A bounded in-process cache whose entries expire; the oldest entry goes first when it is full. */
export interface TtlCache<V> {
  get(key: string): V | undefined;
  /** True when the key holds a live entry (whose value may itself be `undefined`). */
  has(key: string): boolean;
  set(key: string, value: V, ttlMs: number): void;
  delete(key: string): void;
  /** Deletes every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void;
  readonly size: number;
}

export function createTtlCache<V>(options: { maxEntries: number; now?: () => number }): TtlCache<V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; expiresAt: number }>();

  const live = (key: string): { value: V } | undefined => {
    const e = entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };

  return {
    get: (key) => live(key)?.value,
    has: (key) => live(key) !== undefined,
    set(key, value, ttlMs) {
      entries.delete(key); // re-inserted at the end: Map order is the eviction order
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    delete: (key) => {
      entries.delete(key);
    },
    deleteWhere(matches) {
      for (const [key, e] of entries) if (matches(e.value)) entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
