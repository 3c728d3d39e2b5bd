/**
 * The slice of a pino logger the bus uses; a pino `Logger` satisfies it, so the bus does not depend on
 * pino itself.
 */
export type BusLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): BusLogger;
};
