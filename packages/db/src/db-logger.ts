import type { LogContext, Logger, LoggerNamespace } from "@mikro-orm/core";

/** The pino-like subset this package logs through (a pino Logger fits). */
export interface DbLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

// Queries are never logged: MikroORM inlines parameters into the SQL text, and parameters carry
// message bodies, tokens and other data that must not reach logs.
const SILENT_NAMESPACES: ReadonlySet<string> = new Set(["query", "query-params", "slow-query"]);

/** Adapts a DbLogger to MikroORM's Logger interface; without one the ORM stays silent. */
export function createOrmLogger(logger: DbLogger | undefined): Logger {
  return {
    log(namespace: string, message: string) {
      if (!SILENT_NAMESPACES.has(namespace)) logger?.debug({ orm: namespace }, message);
    },
    warn(namespace: string, message: string) {
      logger?.warn({ orm: namespace }, message);
    },
    error(namespace: string, message: string) {
      logger?.error({ orm: namespace }, message);
    },
    logQuery(_context: LogContext) {},
    setDebugMode() {},
    isEnabled(namespace: LoggerNamespace) {
      return logger !== undefined && !SILENT_NAMESPACES.has(namespace);
    },
  };
}
