import type { Db } from "./create-db.js";
import type { DbLogger } from "./db-logger.js";
import type { EncodedEvent } from "./inbox.js";
import type { Outbox } from "./outbox.js";
import { type ClaimedRow, createOutboxStore, type FailureUpdate, type OutboxStats } from "./outbox-store.js";
import { createPeriodicLoop } from "./periodic-loop.js";
import { positiveInteger } from "./positive-integer.js";
import { assertBackoff, backoffDelayMs, type RetryBackoff } from "./retry-delay.js";

export interface OutboxRelayOptions {
  db: Db;
  outbox: Outbox;
  /** Publishes one stored event under its msgID: `bus.publishEncoded`. */
  publish(event: EncodedEvent): Promise<unknown>;
  /**
   * Rejects while the bus is unreachable (`() => bus.ping()`). A publish that fails while it
   * rejects is an outage: the row keeps its attempts and the relay pauses instead.
   */
  ping?(): Promise<unknown>;
  logger: DbLogger;
  /** The pass that catches what no wake() announced (other processes, retries). Default 1000 ms. */
  intervalMs?: number;
  /** Rows claimed per pass; a full batch is followed by another pass at once. Default 100. */
  batchSize?: number;
  /** Failed publishes before a row is `failed` for good. Default 10. */
  maxAttempts?: number;
  /** Wait after a failed publish: doubled per attempt, with jitter. Default 1 s to 5 min. */
  backoff?: RetryBackoff;
  /** How long a claimed row is this relay's; after it, another relay may take it. Default 60 s. */
  leaseMs?: number;
  /** A publish that has not answered by then counts as failed. Default 10 s. */
  publishTimeoutMs?: number;
  /** Tenants relayed at once within a pass (each tenant's events one after the other). Default 4. */
  concurrency?: number;
}

export interface OutboxRelayPass {
  claimed: number;
  published: number;
  /** Failed publishes that will be tried again. */
  retried: number;
  /** Rows that became `failed` for good. */
  failed: number;
  /** The bus was unreachable: nothing counted against the rows. */
  outage: boolean;
}

export interface OutboxRelay {
  /** Relays now and then every intervalMs, and at once after each commit that added events here. */
  start(): void;
  /** No new pass starts; once the current one ended, one last pass; then it resolves. */
  stop(): Promise<void>;
  /** Asks for a pass as soon as possible (outbox.add does it after the commit). */
  wake(): void;
  /** One pass: claim due rows, publish them in order per tenant, record the outcome. */
  relayOnce(): Promise<OutboxRelayPass>;
  /** Pending and failed rows of every tenant, for operators and metrics. */
  stats(): Promise<OutboxStats>;
}

const DEFAULTS = {
  intervalMs: 1_000,
  batchSize: 100,
  maxAttempts: 10,
  backoff: { initialMs: 1_000, maxMs: 300_000 },
  leaseMs: 60_000,
  publishTimeoutMs: 10_000,
  concurrency: 4,
};
const OUTAGE_PAUSE = { initialMs: 1_000, maxMs: 30_000 };
const MAX_ERROR_LENGTH = 1_000;

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}...` : text;
}

/** Claimed rows per tenant, each tenant's in the order they were added (ids are an identity). */
function byTenant(claimed: readonly ClaimedRow[]): Array<{ tenantId: string; ids: string[] }> {
  const groups = new Map<string, string[]>();
  for (const row of claimed) groups.set(row.tenantId, [...(groups.get(row.tenantId) ?? []), row.id]);
  return [...groups].map(([tenantId, ids]) => ({
    tenantId,
    ids: ids.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
  }));
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Publishes what services stored with createOutbox, from any number of replicas: each pass leases
 * due rows (outbox_claim), publishes them under their stored msgID (JetStream drops a repeat within
 * its duplicate window) and marks them published; a failed publish waits with backoff and, after
 * maxAttempts, leaves the row `failed` (logged at error level). A relay that dies or hangs keeps
 * its rows only until the lease ends: another relay publishes them again under the same msgIDs.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, outbox, publish, ping, logger } = options;
  const intervalMs = positiveInteger("intervalMs", options.intervalMs ?? DEFAULTS.intervalMs);
  const batchSize = positiveInteger("batchSize", options.batchSize ?? DEFAULTS.batchSize);
  const maxAttempts = positiveInteger("maxAttempts", options.maxAttempts ?? DEFAULTS.maxAttempts);
  const leaseMs = positiveInteger("leaseMs", options.leaseMs ?? DEFAULTS.leaseMs);
  const publishTimeoutMs = positiveInteger(
    "publishTimeoutMs",
    options.publishTimeoutMs ?? DEFAULTS.publishTimeoutMs,
  );
  const concurrency = positiveInteger("concurrency", options.concurrency ?? DEFAULTS.concurrency);
  const backoff = options.backoff ?? DEFAULTS.backoff;
  assertBackoff("backoff", backoff);
  const store = createOutboxStore(outbox.schema);
  const where = { outbox: outbox.schema };

  async function publishWithin(event: EncodedEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`publish did not answer within ${publishTimeoutMs} ms`)),
        publishTimeoutMs,
      );
    });
    try {
      await Promise.race([publish(event), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function busUnreachable(): Promise<boolean> {
    if (ping === undefined) return false;
    try {
      await ping();
      return false;
    } catch {
      return true;
    }
  }

  async function relayTenant(tenantId: string, ids: readonly string[], pass: OutboxRelayPass) {
    const rows = await db.withTenant(tenantId, (em) => store.load(em, ids));
    const published: string[] = [];
    let failure: (FailureUpdate & { attempts: number; event: EncodedEvent }) | undefined;
    for (const row of rows) {
      if (pass.outage) break;
      try {
        await publishWithin(row.event);
        published.push(row.id);
      } catch (err) {
        if (await busUnreachable()) {
          pass.outage = true;
          logger.warn({ ...where, err }, "outbox: the bus is unreachable; pausing the relay");
        } else {
          const attempts = row.attempts + 1;
          failure = {
            id: row.id,
            error: errorText(err),
            final: attempts >= maxAttempts,
            delayMs: backoffDelayMs(attempts, backoff),
            attempts,
            event: row.event,
          };
        }
        // A tenant's later events wait behind this one: they keep their order.
        break;
      }
    }
    const tried = new Set([...published, ...(failure === undefined ? [] : [failure.id])]);
    const untried = rows.filter((r) => !tried.has(r.id)).map((r) => r.id);
    await db.withTenant(tenantId, async (em) => {
      await store.markPublished(em, published);
      if (failure !== undefined) await store.markFailure(em, failure);
      await store.release(em, untried);
    });
    pass.published += published.length;
    if (failure === undefined) return;
    const line = {
      ...where,
      tenant_id: tenantId,
      msg_id: failure.event.msgId,
      event_type: failure.event.eventType,
      attempts: failure.attempts,
      error: failure.error,
    };
    if (failure.final) {
      pass.failed++;
      logger.error(line, "outbox: event failed for good; requeue it once the cause is fixed");
    } else {
      pass.retried++;
      logger.warn({ ...line, retry_in_ms: failure.delayMs }, "outbox: publish failed; will retry");
    }
  }

  async function relayOnce(): Promise<OutboxRelayPass> {
    const claimed = await db.withoutTenant((em) => store.claim(em, batchSize, leaseMs));
    const pass: OutboxRelayPass = {
      claimed: claimed.length,
      published: 0,
      retried: 0,
      failed: 0,
      outage: false,
    };
    await forEachLimited(byTenant(claimed), concurrency, async ({ tenantId, ids }) => {
      try {
        await relayTenant(tenantId, ids, pass);
      } catch (err) {
        // Its rows stay leased and come back when the lease ends; other tenants go on.
        logger.warn({ ...where, err, tenant_id: tenantId }, "outbox: relaying a tenant's events failed");
      }
    });
    if (pass.claimed > 0) logger.debug({ ...where, ...pass }, "outbox: pass done");
    return pass;
  }

  let outages = 0;
  const loop = createPeriodicLoop({
    name: `outbox relay ${outbox.schema}`,
    intervalMs,
    logger,
    async run() {
      const pass = await relayOnce();
      if (pass.outage) return Math.max(intervalMs + 1, backoffDelayMs(++outages, OUTAGE_PAUSE));
      outages = 0;
      return pass.claimed === batchSize ? 0 : undefined;
    },
  });
  let unsubscribe: (() => void) | undefined;

  return {
    start() {
      unsubscribe ??= outbox.onCommitted(() => loop.wake());
      loop.start();
    },
    async stop() {
      if (unsubscribe === undefined) return;
      unsubscribe();
      unsubscribe = undefined;
      await loop.stop();
      // A last pass, so what this process committed just before shutting down goes out now rather
      // than when another replica's next pass comes round.
      await relayOnce().catch((err: unknown) => {
        logger.warn({ ...where, err }, "outbox: the last pass before stopping failed");
      });
    },
    wake: () => loop.wake(),
    relayOnce,
    stats: () => db.withoutTenant((em) => store.stats(em)),
  };
}
