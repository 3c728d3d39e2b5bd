/**
 * At most `max` operations at once; the others wait their turn in arrival order. The bus's
 * publishes are asynchronous (each waits for its stream acknowledgement while the next goes out),
 * and this bounds how many wait for one, so a stalled server cannot pile up unbounded requests,
 * timers and buffers in the client.
 */
export interface InFlightLimit {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Operations running, and waiting for a slot. */
  usage(): { running: number; waiting: number };
}

export function createInFlightLimit(max: number): InFlightLimit {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  let running = 0;
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    // The slot passes straight to the next in line: `running` stays as it is.
    if (next === undefined) running--;
    else next();
  }

  return {
    async run(fn) {
      if (running < max) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        release();
      }
    },
    usage: () => ({ running, waiting: waiting.length }),
  };
}
