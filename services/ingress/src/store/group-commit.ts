/**
 * Group commit: items submitted under one key (a tenant) while a commit of that key is in flight
 * wait and go together in the next one, so under load one transaction carries many rows, and an
 * idle service commits at once without waiting for a timer.
 *
 * The items it holds (waiting or being committed, every key together) are bounded in count and in
 * bytes: past either bound `submit` refuses at once with GroupCommitFullError, so a burst against a
 * slow database cannot grow memory without limit; the caller answers "retry later".
 */
export interface GroupCommit<I> {
  /** Resolves once the item is committed; rejects with the commit's error, or GroupCommitFullError. */
  submit(key: string, item: I): Promise<void>;
  /** Items (and their bytes) held right now. */
  usage(): { items: number; bytes: number };
}

export interface GroupCommitOptions<I> {
  /** Most items in one commit. */
  maxBatch: number;
  /** Commits of one key running at the same time. */
  maxInFlightPerKey: number;
  /** Most items held at once. Default: unbounded. */
  maxItems?: number;
  /** Most bytes (as `sizeOf` counts them) held at once. Default: unbounded. */
  maxBytes?: number;
  /** The memory an item holds, in bytes. Default 0. */
  sizeOf?: (item: I) => number;
  commit(key: string, items: I[]): Promise<void>;
}

/** The queue is at its bound: nothing of the item was taken. */
export class GroupCommitFullError extends Error {
  constructor() {
    super("the group-commit queue is full");
    this.name = "GroupCommitFullError";
  }
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
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const sizeOf = options.sizeOf ?? (() => 0);
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new RangeError("maxBatch must be a positive integer");
  if (!Number.isInteger(maxInFlightPerKey) || maxInFlightPerKey < 1) {
    throw new RangeError("maxInFlightPerKey must be a positive integer");
  }
  if (!(maxItems >= 1) || !(maxBytes >= 0)) throw new RangeError("maxItems and maxBytes must be positive");
  const lanes = new Map<string, Lane<I>>();
  let heldItems = 0;
  let heldBytes = 0;

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
      const bytes = sizeOf(item);
      // Checked and counted synchronously: concurrent submits cannot overshoot together.
      if (heldItems + 1 > maxItems || heldBytes + bytes > maxBytes) {
        return Promise.reject(new GroupCommitFullError());
      }
      heldItems++;
      heldBytes += bytes;
      const settled = () => {
        heldItems--;
        heldBytes -= bytes;
      };
      return new Promise<void>((resolve, reject) => {
        let lane = lanes.get(key);
        if (lane === undefined) {
          lane = { queue: [], inFlight: 0 };
          lanes.set(key, lane);
        }
        lane.queue.push({
          item,
          resolve: () => {
            settled();
            resolve();
          },
          reject: (err) => {
            settled();
            reject(err);
          },
        });
        pump(key, lane);
      });
    },
    usage: () => ({ items: heldItems, bytes: heldBytes }),
  };
}
