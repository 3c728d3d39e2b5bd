import type { Db } from "./create-db.js";
import type { DbLogger } from "./db-logger.js";
import { createPeriodicLoop } from "./periodic-loop.js";
import { positiveInteger } from "./positive-integer.js";
import { pruneFunctionName } from "./prune-function.js";

/** A table with a prune function (pruneFunctionSql; inboxTableSql and outboxTableSql add theirs). */
export interface RetentionTask {
  schema: string;
  table: string;
  /** Overrides the job's maxAgeMs for this table. */
  maxAgeMs?: number;
}

export interface RetentionJobOptions {
  db: Db;
  tasks: readonly RetentionTask[];
  logger: DbLogger;
  /** Rows older than this go. Default 30 days. */
  maxAgeMs?: number;
  /** Between runs; the first run is at start(). Default 1 hour. */
  intervalMs?: number;
  /** Rows deleted per statement (each its own short transaction). Default 1000. */
  batchSize?: number;
  /** Statements per table and run, so one run stays bounded; the rest waits for the next. Default 100. */
  maxBatchesPerRun?: number;
}

export interface RetentionResult {
  /** `schema.table` */
  table: string;
  deleted: number;
}

export interface RetentionJob {
  start(): void;
  stop(): Promise<void>;
  /** One run over every task; a failing table is logged and the others still run. */
  runOnce(): Promise<RetentionResult[]>;
}

export const DEFAULT_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Deletes rows past their retention, periodically, through each table's SECURITY DEFINER prune
 * function (all tenants at once, in bounded batches). Every replica may run it: a batch skips rows
 * another one has locked, and deleting what is already gone is nothing.
 */
export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { db, logger } = options;
  const maxAgeMs = positiveInteger("maxAgeMs", options.maxAgeMs ?? DEFAULT_RETENTION_MS);
  const intervalMs = positiveInteger("intervalMs", options.intervalMs ?? 3_600_000);
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 1_000);
  const maxBatches = positiveInteger("maxBatchesPerRun", options.maxBatchesPerRun ?? 100);
  const tasks = options.tasks.map((t) => ({
    table: `${t.schema}.${t.table}`,
    fn: pruneFunctionName(t.schema, t.table),
    maxAgeMs: positiveInteger(`maxAgeMs of ${t.schema}.${t.table}`, t.maxAgeMs ?? maxAgeMs),
  }));

  async function prune(task: (typeof tasks)[number]): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const [row] = await db.withoutTenant((em) =>
        em.execute<Array<{ deleted: number }>>(
          `select ${task.fn}(?, ?) as deleted`,
          [task.maxAgeMs, batchSize],
          "all",
        ),
      );
      const deleted = Number(row?.deleted ?? 0);
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  }

  async function runOnce(): Promise<RetentionResult[]> {
    const results: RetentionResult[] = [];
    for (const task of tasks) {
      try {
        const deleted = await prune(task);
        results.push({ table: task.table, deleted });
        if (deleted > 0) {
          logger.info(
            { table: task.table, deleted, older_than_ms: task.maxAgeMs },
            "retention: deleted rows past their retention",
          );
        }
      } catch (err) {
        logger.error({ err, table: task.table }, "retention: pruning failed; retrying at the next run");
      }
    }
    return results;
  }

  const loop = createPeriodicLoop({
    name: "retention",
    intervalMs,
    logger,
    async run() {
      await runOnce();
      return undefined;
    },
  });
  return { start: () => loop.start(), stop: () => loop.stop(), runOnce };
}
