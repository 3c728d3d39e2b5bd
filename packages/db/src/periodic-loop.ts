import type { DbLogger } from "./db-logger.js";

export interface PeriodicLoop {
  /** Runs now, then again after each run's delay; idempotent. */
  start(): void;
  /** Runs as soon as the current run (if any) ends, unless a run asked for a pause. */
  wake(): void;
  /** No run starts any more; resolves once the current one ended. */
  stop(): Promise<void>;
}

export interface PeriodicLoopOptions {
  /** For log lines. */
  name: string;
  intervalMs: number;
  /**
   * One run; resolves with the delay before the next one: 0 to go on at once, `undefined` for
   * intervalMs, more than intervalMs for a pause during which wake() is ignored.
   */
  run(): Promise<number | undefined>;
  logger: DbLogger;
}

/** One run at a time, on a timer, wakeable: the driver of the outbox relay and the retention job. */
export function createPeriodicLoop(options: PeriodicLoopOptions): PeriodicLoop {
  const { intervalMs, logger } = options;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wokenWhileRunning = false;
  let pausedUntil = 0;

  const schedule = (delayMs: number): void => {
    clearTimeout(timer);
    // Never what keeps a process alive: the server and connections do that.
    timer = setTimeout(tick, delayMs).unref();
  };

  const runOnce = async (): Promise<number> => {
    try {
      return (await options.run()) ?? intervalMs;
    } catch (err) {
      logger.warn({ err, loop: options.name }, "periodic run failed; retrying after the interval");
      return intervalMs;
    }
  };

  function tick(): void {
    timer = undefined;
    if (stopped || running !== undefined) return;
    wokenWhileRunning = false;
    running = runOnce().then((delayMs) => {
      running = undefined;
      if (stopped) return;
      pausedUntil = delayMs > intervalMs ? Date.now() + delayMs : 0;
      schedule(wokenWhileRunning && pausedUntil === 0 ? 0 : delayMs);
    });
  }

  return {
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    wake() {
      if (!started || stopped) return;
      if (running !== undefined) {
        wokenWhileRunning = true;
        return;
      }
      if (Date.now() >= pausedUntil) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
