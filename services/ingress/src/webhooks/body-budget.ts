/**
 * The bytes of webhook bodies this process holds for requests in progress (being read, checked,
 * stored or published), bounded as a whole: a request takes its share before reading and gives it
 * back when it ends, so a burst of large bodies is refused instead of exhausting memory.
 */
export interface BodyBudget {
  /** Takes `bytes` if they fit under the bound; false (nothing taken) when they do not. */
  tryTake(bytes: number): boolean;
  /** Gives back what a `tryTake` took. */
  give(bytes: number): void;
  /** Bytes taken right now. */
  inUse(): number;
  readonly maxBytes: number;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new RangeError("maxBytes must be a positive integer");
  let used = 0;
  return {
    maxBytes,
    // Checked and counted synchronously: concurrent requests cannot overshoot together.
    tryTake(bytes) {
      if (used + bytes > maxBytes) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    inUse: () => used,
  };
}
