import { hostname } from "node:os";
import type { Bindings, ChildLoggerOptions, DestinationStream, Level, Logger } from "pino";
import pino from "pino";
import { redactSecrets, secretKeyTest } from "./redact.js";
import { redactUrlCredentials } from "./redact-url-credentials.js";
import { activeTraceFields } from "./trace-fields.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  /** Service name, written on every line as `service`. */
  service: string;
  /** Minimum level; defaults to "info". */
  level?: Level | "silent";
  /** Where lines go; defaults to stdout. */
  destination?: DestinationStream;
  /** Extra key names (case-insensitive) to redact besides the built-in secret keys. */
  redactKeys?: readonly string[];
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * JSON-lines logger: `level` (label), ISO `time`, `service`, the active span's `trace_id`/`span_id`,
 * secrets replaced by "[redacted]" in logged objects, child bindings and serialized errors, and the
 * credentials of every URL masked wherever they appear in the line.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (options.service.trim() === "") throw new Error("a logger needs a service name");
  const level = options.level ?? "info";
  if (!LEVELS.has(level)) {
    throw new Error(`invalid log level "${level}": use one of ${[...LEVELS].join(", ")}`);
  }
  const isSecret = secretKeyTest(options.redactKeys);
  const serializeError = pino.stdSerializers.err;
  const logger = pino(
    {
      level,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: activeTraceFields,
      formatters: {
        level: (label) => ({ level: label }),
        log: (record) => redactSecrets(record, isSecret),
      },
      // Errors are class instances the key scan leaves alone: scrub what their serializer copies out;
      // pino's error objects have their own prototype, so copy them to a plain object first.
      serializers: { err: (err: Error) => redactSecrets({ ...serializeError(err) }, isSecret) },
      // URLs with credentials turn up anywhere (a message, an error's stack, a nested field):
      // the finished line is scanned, so nothing that reaches the output escapes it.
      hooks: { streamWrite: redactUrlCredentials },
    },
    options.destination,
  );
  // pino skips formatters for child bindings; children inherit this override through the prototype chain.
  const pinoChild = logger.child;
  logger.child = function child<ChildLevels extends string = never>(
    this: Logger,
    bindings: Bindings,
    childOptions?: ChildLoggerOptions<ChildLevels>,
  ): Logger<ChildLevels> {
    return Reflect.apply(pinoChild, this, [redactSecrets(bindings, isSecret), childOptions]);
  };
  return logger;
}

export interface LogContext {
  tenantId?: string | undefined;
  correlationId?: string | undefined;
  eventId?: string | undefined;
}

/** A child logger carrying the unit of work's ids as `tenant_id`, `correlation_id`, `event_id`. */
export function withContext(logger: Logger, ctx: LogContext): Logger {
  const bindings: Record<string, string> = {};
  if (ctx.tenantId !== undefined) bindings.tenant_id = ctx.tenantId;
  if (ctx.correlationId !== undefined) bindings.correlation_id = ctx.correlationId;
  if (ctx.eventId !== undefined) bindings.event_id = ctx.eventId;
  return logger.child(bindings);
}
