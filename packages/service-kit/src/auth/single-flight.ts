/**
 * Runs at most one `load` at a time per key: callers asking while it runs share its result, so a
 * burst of requests with the same credential or workspace makes one remote call.
 */
export function createSingleFlight<K, V>(): (key: K, load: () => Promise<V>) => Promise<V> {
  const running = new Map<K, Promise<V>>();
  return (key, load) => {
    const pending = running.get(key);
    if (pending !== undefined) return pending;
    const started = load().finally(() => running.delete(key));
    running.set(key, started);
    return started;
  };
}
