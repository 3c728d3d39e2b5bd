/**
 * Group commit: items submitted under one key (a tenant) while a commit of that key is in flight
 * wait and go together in the next one, so under load one transaction carries many rows, and an
 * idle service commits at once without waiting for a timer.
 */
export interface GroupCommit<I> {
  /** Resolves once the item is committed; rejects with the commit's error. */
  submit(key: string, item: I): Promise<void>;
}

export interface GroupCommitOptions<I> {
  /** Most items in one commit. */
  maxBatch: number;
  /** Commits of one key running at the same time. */
  maxInFlightPerKey: number;
  commit(key: string, items: I[]): Promise<void>;
}

interface Pending<I> {
  item: I;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Lane<I> {
  queue: Pending<I>[];
  inFlight: number;
}

export function createGroupCommit<I>(options: GroupCommitOptions<I>): GroupCommit<I> {
  const { maxBatch, maxInFlightPerKey, commit } = options;
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new RangeError("maxBatch must be a positive integer");
  if (!Number.isInteger(maxInFlightPerKey) || maxInFlightPerKey < 1) {
    throw new RangeError("maxInFlightPerKey must be a positive integer");
  }
  const lanes = new Map<string, Lane<I>>();

  async function run(key: string, batch: Pending<I>[]): Promise<void> {
    try {
      await commit(
        key,
        batch.map((p) => p.item),
      );
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad item must not fail the requests that happened to share its transaction.
      for (const p of batch) {
        try {
          await commit(key, [p.item]);
          p.resolve();
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  function pump(key: string, lane: Lane<I>): void {
    while (lane.inFlight < maxInFlightPerKey && lane.queue.length > 0) {
      const batch = lane.queue.splice(0, maxBatch);
      lane.inFlight++;
      void run(key, batch).finally(() => {
        lane.inFlight--;
        if (lane.inFlight === 0 && lane.queue.length === 0) lanes.delete(key);
        else pump(key, lane);
      });
    }
  }

  return {
    submit(key, item) {
      return new Promise<void>((resolve, reject) => {
        let lane = lanes.get(key);
        if (lane === undefined) {
          lane = { queue: [], inFlight: 0 };
          lanes.set(key, lane);
        }
        lane.queue.push({ item, resolve, reject });
        pump(key, lane);
      });
    },
  };
}
