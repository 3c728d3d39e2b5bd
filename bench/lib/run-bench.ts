// The frame of every bench: its options, and an orderly stop of everything it started (servers,
// services, streams, the stack) whether it ends well, fails or is interrupted (Ctrl-C), using the
// same lifecycle as a service's main.ts. Register each stop step before starting what it stops, in
// the order things must stop; a step whose thing never started does nothing.
import { createLifecycle, type ShutdownStep } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { type BenchDefaults, type BenchOptions, benchOptions } from "./bench-options.js";

export interface BenchContext {
  options: BenchOptions;
  /** Adds a stop step; steps run in the order they were added. */
  onStop(name: string, step: ShutdownStep): void;
}

/** Runs `body`, then the stop steps; exits 0 when both went well, 1 otherwise (130 on Ctrl-C). */
export async function runBench(
  defaults: BenchDefaults,
  body: (ctx: BenchContext) => Promise<void>,
): Promise<never> {
  // Only failed steps are worth a line next to the figures.
  const logger = createLogger({ service: "bench", level: "warn" });
  const lifecycle = createLifecycle({
    logger,
    timeoutMs: 30_000,
    exit: (code) => process.exit(code === 0 ? 130 : code),
  });
  lifecycle.listen();
  let code = 0;
  try {
    await body({ options: benchOptions(defaults), onStop: (name, step) => lifecycle.onShutdown(name, step) });
  } catch (err) {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    code = 1;
  }
  const stopped = await lifecycle.shutdown(code === 0 ? "bench finished" : "bench failed");
  process.exit(code === 0 ? stopped : code);
}
