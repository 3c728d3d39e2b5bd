import type { Logger } from "pino";

/** One shutdown step; `signal` aborts when the step runs out of time. */
export type ShutdownStep = (signal: AbortSignal) => Promise<void> | void;

export interface LifecycleOptions {
  logger: Logger;
  /** Time limit of each step unless the step sets its own. Default 15 s. */
  timeoutMs?: number;
  /** How the process ends after a signal; replaceable in tests. Default `process.exit`. */
  exit?: (code: number) => void;
  /** Signals that start the shutdown. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
}

export interface Lifecycle {
  /**
   * Registers a step. Steps run in registration order: register the server first (stop taking
   * work), then consumers' drain, then pools and connections.
   */
  onShutdown(name: string, step: ShutdownStep, options?: { timeoutMs?: number }): void;
  /**
   * Installs the signal handlers (once): the first signal runs the shutdown and exits with its
   * code, a second one exits at once with 1.
   */
  listen(): void;
  /** Runs every step once (later calls get the same result): 0 when all succeeded, else 1. */
  shutdown(reason: string): Promise<number>;
}

interface Step {
  name: string;
  run: ShutdownStep;
  timeoutMs: number;
}

async function runStep(step: Step, logger: Logger): Promise<boolean> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`shutdown step ${step.name} timed out after ${step.timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, step.timeoutMs);
  });
  const started = performance.now();
  try {
    await Promise.race([Promise.resolve().then(() => step.run(controller.signal)), timeout]);
    logger.info(
      { step: step.name, duration_ms: Math.round(performance.now() - started) },
      "shutdown step done",
    );
    return true;
  } catch (err) {
    logger.error({ err, step: step.name }, "shutdown step failed");
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Orderly shutdown of a service process. */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const defaultTimeoutMs = options.timeoutMs ?? 15_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const steps: Step[] = [];
  let running: Promise<number> | undefined;
  let listening = false;
  let exited = false;

  const shutdown = (reason: string): Promise<number> => {
    running ??= (async () => {
      logger.info({ reason, steps: steps.map((s) => s.name) }, "shutting down");
      let failed = 0;
      for (const step of steps) {
        if (!(await runStep(step, logger))) failed++;
      }
      if (failed > 0) logger.error({ failed }, "shutdown finished with failures");
      else logger.info("shutdown complete");
      return failed > 0 ? 1 : 0;
    })();
    return running;
  };

  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    for (const signal of signals) process.off(signal, onSignal);
    exit(code);
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (running !== undefined) {
      logger.warn({ signal }, "second signal: exiting now");
      exitOnce(1);
      return;
    }
    shutdown(signal).then(exitOnce, (err: unknown) => {
      logger.error({ err }, "shutdown crashed");
      exitOnce(1);
    });
  }

  return {
    onShutdown(name, run, stepOptions) {
      steps.push({ name, run, timeoutMs: stepOptions?.timeoutMs ?? defaultTimeoutMs });
    },
    listen() {
      if (listening) return;
      listening = true;
      for (const signal of signals) process.on(signal, onSignal);
    },
    shutdown,
  };
}
