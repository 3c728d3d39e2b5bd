import type { Logger } from "pino";

/**
 * What a service's `start()` opened so far, closed in reverse order: on a failure during start and
 * on stop. Every service builds itself the same way:
 *
 * ```ts
 * const resources = createResources(logger);
 * return resources.guard(async () => {
 *   const db = await resources.open("db", () => createDb(...)); // closed with db.close()
 *   const consumer = await resources.open("consumer", () => startConsumer(...), (c) => c.stop());
 *   resources.onClose("relay", () => relay.stop());
 *   return { port, stop: resources.closeAll };
 * });
 * ```
 */
export interface Resources {
  /**
   * Creates a resource and registers its close (default: its own `close()`). When `create` throws,
   * nothing is registered (it cleans up after itself) and the error propagates. Refused once
   * `closeAll` has begun (a resource whose creation was under way then is closed at once and `open`
   * throws).
   */
  open<T extends Closable>(name: string, create: () => T | Promise<T>): Promise<T>;
  open<T>(name: string, create: () => T | Promise<T>, close: (value: T) => unknown): Promise<T>;
  /** Registers the close of something already running (a job started with `.start()`). */
  onClose(name: string, close: () => unknown): void;
  /**
   * Closes everything in reverse order of opening. A failing close is logged and the others still
   * run. Idempotent: every call gets the same promise.
   */
  closeAll(): Promise<void>;
  /** Runs `start`; when it throws, closes what it opened, then rethrows. */
  guard<T>(start: () => Promise<T>): Promise<T>;
}

/** A resource that closes itself (a pool, a bus, a server). */
export interface Closable {
  close(): unknown;
}

interface Step {
  name: string;
  close: () => unknown;
}

export function createResources(logger: Logger): Resources {
  const steps: Step[] = [];
  let closing: Promise<void> | undefined;

  const refuseWhenClosing = (name: string): void => {
    if (closing !== undefined) throw new Error(`cannot open ${name}: the service is stopping`);
  };

  const run = async (step: Step): Promise<void> => {
    try {
      await step.close();
      logger.debug({ resource: step.name }, "closed");
    } catch (err) {
      logger.error({ err, resource: step.name }, "closing failed");
    }
  };

  const closeAll = (): Promise<void> => {
    closing ??= (async () => {
      for (const step of steps.splice(0).reverse()) await run(step);
    })();
    return closing;
  };

  return {
    async open<T>(name: string, create: () => T | Promise<T>, close?: (value: T) => unknown): Promise<T> {
      refuseWhenClosing(name);
      const value = await create();
      const step = { name, close: () => (close ? close(value) : (value as Closable).close()) };
      if (closing !== undefined) {
        // Stopped while this was being created: nothing else would ever close it.
        await run(step);
        throw new Error(`${name} was opened while the service was stopping`);
      }
      steps.push(step);
      return value;
    },
    onClose(name, close) {
      refuseWhenClosing(name);
      steps.push({ name, close });
    },
    closeAll,
    async guard(start) {
      try {
        return await start();
      } catch (err) {
        await closeAll();
        throw err;
      }
    },
  };
}
