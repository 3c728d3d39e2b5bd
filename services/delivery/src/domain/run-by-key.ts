/**
 * Runs `task` over `items`, at most `limit` at once; items with the same key run one after another in
 * their order (the messages of one conversation go out in the order they were written). The first
 * failure stops new work and is rethrown once every running task has ended.
 */
export async function runByKey<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const queue = queues.get(key);
    if (queue === undefined) queues.set(key, [item]);
    else queue.push(item);
  }
  const groups = [...queues.values()];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let group = groups[next++]; group !== undefined; group = groups[next++]) {
      for (const item of group) {
        if (failure !== undefined) return;
        try {
          await task(item);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, groups.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
