import type { Db } from "@atendo/db";
import type { Logger } from "@atendo/telemetry";
import { findUnflushedTurns } from "../store/turn-queries.js";
import type { TurnScheduler } from "./turn-scheduler.js";

export interface Sweeper {
  start(): void;
  /** One pass; returns how many conversations it re-armed. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export interface SweeperOptions {
  db: Db;
  scheduler: TurnScheduler;
  logger: Logger;
  /** Pause between passes; 0 disables the periodic pass. */
  intervalMs: number;
  /** A turn younger than this is left alone: its arming may still be on its way to Redis. */
  graceMs: number;
  /** Turns older than this are not answered any more (the customer-service window is 24 h). */
  horizonMs: number;
  batchSize: number;
}

/**
 * Redis is never the only copy of a pending turn: Postgres knows every AI conversation whose current
 * epoch was never published. This pass re-arms those that are neither due nor leased in Redis (lost
 * on a Redis restart, or a crash between commit and arming), due at once.
 */
export function createSweeper(o: SweeperOptions): Sweeper {
  const log = o.logger.child({ component: "sweeper" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function sweep(): Promise<number> {
    const now = Date.now();
    const turns = await o.db.withoutTenant((em) =>
      findUnflushedTurns(em, {
        inboundBefore: new Date(now - o.graceMs),
        inboundAfter: new Date(now - o.horizonMs),
        limit: o.batchSize,
      }),
    );
    let rearmed = 0;
    for (const t of turns) {
      if (await o.scheduler.ensureArmed(t.tenantId, t.conversationId, now)) rearmed++;
    }
    if (rearmed > 0) log.warn({ rearmed }, "re-armed pending turns missing from the buffer");
    return rearmed;
  }

  function schedule(): void {
    if (stopped || o.intervalMs === 0) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((err: unknown) => log.error({ err }, "sweep failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, o.intervalMs);
    timer.unref();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    sweep,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
