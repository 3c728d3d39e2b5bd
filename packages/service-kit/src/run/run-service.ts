import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import type { LogLevel, OtelExporter } from "../config/common-config.js";
import { ConfigError } from "../config/read-config.js";
import { createLifecycle } from "../lifecycle/create-lifecycle.js";

/** What `runService` hands a service's `start()`: an object, so more can join it later. */
export interface ServiceStartOptions {
  logger: Logger;
}

/** A started service, as `runService` needs it: something to stop. */
export interface StoppableService {
  stop(): Promise<void>;
}

export interface RunServiceOptions<C extends { logLevel: LogLevel; otelExporter: OtelExporter }> {
  /** The service's name, in telemetry, in every log line and before a configuration error. */
  name: string;
  /** Reads the configuration from the environment; a ConfigError names what to fix. */
  loadConfig: () => C;
  start: (config: C, options: ServiceStartOptions) => Promise<StoppableService>;
}

/**
 * The process around a service's `start()`, for its `main.ts`: reads the configuration (a
 * ConfigError is printed as one line on stderr and the process exits 1, without a stack trace),
 * starts telemetry and the logger, starts the service (a failure is logged once and the process
 * exits 1), then stops the service and telemetry on SIGTERM or SIGINT and exits 0 (1 when a step
 * failed).
 */
export async function runService<C extends { logLevel: LogLevel; otelExporter: OtelExporter }>(
  options: RunServiceOptions<C>,
): Promise<void> {
  const { name } = options;
  let config: C;
  try {
    config = options.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${configErrorLine(name, err)}\n`);
    process.exit(1);
  }
  const telemetry = startTelemetry({ service: name, exporter: config.otelExporter });
  const logger = createLogger({ service: name, level: config.logLevel });
  let service: StoppableService;
  try {
    service = await options.start(config, { logger });
  } catch (err) {
    // start() closed what it had opened; the orchestrator restarts the process.
    logger.fatal({ err }, "start failed");
    await telemetry.shutdown().catch(() => undefined);
    process.exit(1);
  }
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => service.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}

/** `tenant: invalid configuration: PORT is invalid: ...; DATABASE_URL is missing: ...` */
export function configErrorLine(name: string, err: ConfigError): string {
  const problems = err.problems.map((p) => p.replace(/\s*\n\s*/g, " ")).join("; ");
  return `${name}: invalid configuration: ${problems}`;
}
