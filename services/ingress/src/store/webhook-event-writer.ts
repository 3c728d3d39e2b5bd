import { type Db, pgJson, pgText } from "@atendo/db";
import { clip } from "../domain/json-read.js";
import { createGroupCommit } from "./group-commit.js";
import type { IngressTables, WebhookEventsTable } from "./ingress-tables.js";
import { MAX_ROW_TEXT } from "./queued-webhook-events.js";

/** A delivery to store as received. */
export type NewWebhookEvent = WebhookEventsTable;

/**
 * The hot-path writes of ingress.webhook_events: one multi-row INSERT per tenant for every request
 * that arrives while the previous one commits, and one UPDATE (`id = any($1)`, one array parameter)
 * per tenant for every accept made while the previous UPDATE ran. Plain Kysely statements with
 * bound parameters: no ORM unit of work, and the body goes to Postgres as a bytea parameter,
 * untouched. The text columns are cleaned of what Postgres cannot hold (the body keeps every byte).
 */
export interface WebhookEventWriter {
  /** Rejects with GroupCommitFullError, having stored nothing, when the queue is at its bound. */
  insert(row: NewWebhookEvent): Promise<void>;
  /**
   * queued -> accepted, once every event of the row was published: bookkeeping off the request path,
   * batched with the other accepts of the tenant. Losing it (a crash, a full queue) only leaves the
   * row queued, which the sweeper republishes under the same msgIDs (deduplicated) and marks.
   */
  markAccepted(tenantId: string, id: string): Promise<void>;
  /** Rows (and their bytes) waiting to be inserted or being inserted. */
  usage(): { items: number; bytes: number };
}

export interface WebhookEventWriterOptions {
  db: Db;
  /** Rows in one statement. Default 200. */
  maxBatch?: number;
  /** Insert transactions of one tenant at the same time. Default 4. */
  maxInFlightPerTenant?: number;
  /** Ids in one accepting UPDATE. Default 1000. */
  maxAcceptBatch?: number;
  /**
   * Crash tests only: every accepting UPDATE waits for this, which never settles (the rows stay
   * queued, their events already in the stream; see webhooks/crash-point.ts).
   */
  stallBeforeAccept?: () => Promise<never>;
  /** Rows held (waiting or being inserted) at once. Default unbounded. */
  maxQueuedRows?: number;
  /** Bytes of those rows at once (bodies and a little per row). Default unbounded. */
  maxQueuedBytes?: number;
}

// What a row holds besides its body (ids, texts, headers), roughly.
const ROW_OVERHEAD_BYTES = 1024;

export function createWebhookEventWriter(options: WebhookEventWriterOptions): WebhookEventWriter {
  const { db } = options;
  const maxBatch = options.maxBatch ?? 200;
  const maxInFlightPerKey = options.maxInFlightPerTenant ?? 4;

  const inserts = createGroupCommit<NewWebhookEvent>({
    maxBatch,
    maxInFlightPerKey,
    ...(options.maxQueuedRows === undefined ? {} : { maxItems: options.maxQueuedRows }),
    ...(options.maxQueuedBytes === undefined ? {} : { maxBytes: options.maxQueuedBytes }),
    sizeOf: (row) => row.body.length + ROW_OVERHEAD_BYTES,
    commit: (tenantId, rows) =>
      db.withTenant(tenantId, async (em) => {
        await em
          .getKysely<IngressTables>()
          .withSchema("ingress")
          .insertInto("webhook_events")
          .values(rows.map(storable))
          .execute();
      }),
  });

  const accepts = createGroupCommit<string>({
    maxBatch: options.maxAcceptBatch ?? 1000,
    // One UPDATE of a tenant at a time: the accepts made meanwhile wait and go in the next one, so
    // under load a statement carries hundreds of ids, and an idle service marks a row at once.
    maxInFlightPerKey: 1,
    // Ids only; bounded so that a stalled database cannot pile them up either.
    ...(options.maxQueuedRows === undefined ? {} : { maxItems: options.maxQueuedRows }),
    commit: async (tenantId, ids) => {
      if (options.stallBeforeAccept !== undefined) await options.stallBeforeAccept();
      await db.withTenant(tenantId, async (em) => {
        // Losing this update in a crash only means the sweeper republishes the row (deduplicated):
        // no need to wait for the WAL flush.
        await em.execute("set local synchronous_commit = off", [], "run");
        await em
          .getKysely<IngressTables>()
          .withSchema("ingress")
          .updateTable("webhook_events")
          .set({ status: "accepted", processed_at: new Date(), next_attempt_at: null })
          // One array parameter, whatever the batch size: one statement text, parsed once.
          .where((eb) => eb("id", "=", eb.fn.any(eb.val(ids))))
          .where("status", "=", "queued")
          .execute();
      });
    },
  });

  return {
    insert: (row) => inserts.submit(row.tenant_id, row),
    markAccepted: (tenantId, id) => accepts.submit(tenantId, id),
    usage: () => inserts.usage(),
  };
}

/** The row with its text as Postgres can hold it (derived from the body, which stays as it came). */
function storable(row: NewWebhookEvent): NewWebhookEvent {
  return {
    ...row,
    reason: pgText(clip(row.reason, MAX_ROW_TEXT)),
    last_error: pgText(clip(row.last_error, MAX_ROW_TEXT)),
    source_ip: pgText(row.source_ip),
    request_headers: pgJson(row.request_headers),
  };
}
