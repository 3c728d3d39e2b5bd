import { type Db, pgJson, pgText } from "@atendo/db";
import { clip } from "../domain/json-read.js";
import { createGroupCommit } from "./group-commit.js";
import type { WebhookEventsTable } from "./ingress-tables.js";
import { createPendingAccepts } from "./pending-accepts.js";
import { MAX_ROW_TEXT } from "./queued-webhook-events.js";

/** A delivery to store as received. */
export type NewWebhookEvent = WebhookEventsTable;

/**
 * The hot-path writes of ingress.webhook_events: one multi-row INSERT per tenant for every request
 * that arrives while the previous one commits, which also marks accepted the tenant's rows published
 * meanwhile (pending-accepts.ts): under load a webhook costs one batched write. Marks no insert
 * takes soon go in an UPDATE of their own. Each statement is one round trip (`db.runForTenant`: the
 * tenant setting and the statement as one implicit transaction) instead of BEGIN, setting,
 * statement and COMMIT. The body goes to Postgres as bytea, every byte kept; the text columns are
 * cleaned of what Postgres cannot hold.
 */
export interface WebhookEventWriter {
  /** Rejects with GroupCommitFullError, having stored nothing, when the queue is at its bound. */
  insert(row: NewWebhookEvent): Promise<void>;
  /**
   * queued -> accepted, once every event of the row was published: bookkeeping off the request path,
   * carried by the tenant's next insert, or after `acceptDelayMs` by an UPDATE of the marks waiting.
   * Losing it (a crash, a full queue) only leaves the row queued, which the sweeper republishes
   * under the same msgIDs (deduplicated) and marks.
   */
  markAccepted(tenantId: string, id: string): Promise<void>;
  /** Rows (and their bytes) waiting to be inserted or being inserted. */
  usage(): { items: number; bytes: number };
  /**
   * Writes the accept marks still waiting for an insert (at shutdown, once no request is left):
   * otherwise the sweeper would republish those rows after every restart (deduplicated, but work).
   */
  flushAccepts(): Promise<void>;
}

export interface WebhookEventWriterOptions {
  db: Db;
  /** Rows in one statement. Default 200. */
  maxBatch?: number;
  /** Insert statements of one tenant at the same time. Default 2: fewer, fuller statements. */
  maxInFlightPerTenant?: number;
  /** Accept marks in one statement. Default 1000. */
  maxAcceptBatch?: number;
  /** How long an accept mark waits for an insert to carry it before it goes alone. Default 100 ms. */
  acceptDelayMs?: number;
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
  const maxInFlightPerKey = options.maxInFlightPerTenant ?? 2;

  const maxAcceptBatch = options.maxAcceptBatch ?? 1000;
  // Crash tests stall every accept: none may ride on an insert then.
  const ride = options.stallBeforeAccept === undefined;

  // Each statement text built once per shape: at most maxBatch rows, after 0 or 1 other parameters.
  const insertTexts = new Map<string, string>();
  const insertOf = (count: number, before: number): string => {
    const shape = `${count}:${before}`;
    let sql = insertTexts.get(shape);
    if (sql === undefined) {
      sql = buildInsert(count, before);
      insertTexts.set(shape, sql);
    }
    return sql;
  };

  const inserts = createGroupCommit<NewWebhookEvent>({
    maxBatch,
    maxInFlightPerKey,
    ...(options.maxQueuedRows === undefined ? {} : { maxItems: options.maxQueuedRows }),
    ...(options.maxQueuedBytes === undefined ? {} : { maxBytes: options.maxQueuedBytes }),
    sizeOf: (row) => row.body.length + ROW_OVERHEAD_BYTES,
    commit: async (tenantId, rows) => {
      const marks = ride ? pending.take(tenantId, maxAcceptBatch) : [];
      const values = rows.flatMap(valuesOf);
      try {
        if (marks.length === 0) await db.runForTenant(tenantId, insertOf(rows.length, 0), values);
        else {
          // The marks' rows were committed before this statement began: its snapshot sees them.
          await db.runForTenant(tenantId, `with accepted as (${ACCEPT}) ${insertOf(rows.length, 1)}`, [
            marks.map((m) => m.id),
            ...values,
          ]);
        }
      } catch (err) {
        // The rows' failure is theirs (the group commit retries them one by one); the marks wait.
        pending.putBack(tenantId, marks);
        throw err;
      }
      for (const mark of marks) mark.resolve();
    },
  });

  // Marks sent by themselves and not yet settled (flushAccepts waits for them).
  const sending = new Set<Promise<void>>();
  const pending = createPendingAccepts({
    delayMs: ride ? (options.acceptDelayMs ?? 100) : 0,
    ...(options.maxQueuedRows === undefined ? {} : { maxItems: options.maxQueuedRows }),
    flush: (tenantId, marks) => {
      for (const mark of marks) {
        // Settles either way (the mark's own promise carries the outcome).
        const sent = accepts.submit(tenantId, mark.id).then(mark.resolve, mark.reject);
        sending.add(sent);
        void sent.finally(() => sending.delete(sent));
      }
    },
  });

  const accepts = createGroupCommit<string>({
    maxBatch: maxAcceptBatch,
    // One UPDATE of a tenant at a time: the accepts made meanwhile wait and go in the next one, so
    // under load a statement carries hundreds of ids, and an idle service marks a row at once.
    maxInFlightPerKey: 1,
    // Ids only; bounded so that a stalled database cannot pile them up either.
    ...(options.maxQueuedRows === undefined ? {} : { maxItems: options.maxQueuedRows }),
    commit: async (tenantId, ids) => {
      if (options.stallBeforeAccept !== undefined) await options.stallBeforeAccept();
      await db.runForTenant(
        tenantId,
        ACCEPT,
        [ids],
        // Losing this update in a crash only means the sweeper republishes the row (deduplicated):
        // no need to wait for the WAL flush.
        { asynchronousCommit: true },
      );
    },
  });

  return {
    insert: (row) => inserts.submit(row.tenant_id, row),
    markAccepted: (tenantId, id) => pending.add(tenantId, id),
    usage: () => inserts.usage(),
    async flushAccepts() {
      pending.flushAll();
      await Promise.all(sending);
    },
  };
}

// queued -> accepted for the ids of the array parameter $1 (never a row that failed or is held).
const ACCEPT = `update ingress.webhook_events set status = 'accepted', processed_at = now(),
  next_attempt_at = null where id = any($1::uuid[]) and status = 'queued'`;

// Every column, in the order valuesOf gives them.
const COLUMNS = [
  "id",
  "tenant_id",
  "workspace_id",
  "channel_id",
  "channel_type",
  "status",
  "reason",
  "body",
  "body_size",
  "message_count",
  "status_count",
  "received_at",
  "processed_at",
  "attempts",
  "next_attempt_at",
  "last_error",
  "body_sha256",
  "source_ip",
  "request_headers",
] as const satisfies readonly (keyof WebhookEventsTable)[];
const INSERT_INTO = `insert into ingress.webhook_events (${COLUMNS.join(", ")}) values`;

/** The INSERT of `count` rows, their placeholders numbered after the first `before` ones. */
function buildInsert(count: number, before: number): string {
  const rows: string[] = [];
  for (let r = 0; r < count; r++) {
    const first = before + r * COLUMNS.length + 1;
    rows.push(`(${COLUMNS.map((_, c) => `$${first + c}`).join(", ")})`);
  }
  return `${INSERT_INTO} ${rows.join(", ")}`;
}

/**
 * The row's values in COLUMNS order, its text as Postgres can hold it (derived from the body, which
 * stays as it came: bound as binary). The headers go as an object, which pg binds as JSON.
 */
function valuesOf(row: NewWebhookEvent): unknown[] {
  return [
    row.id,
    row.tenant_id,
    row.workspace_id,
    row.channel_id,
    row.channel_type,
    row.status,
    pgText(clip(row.reason, MAX_ROW_TEXT)),
    row.body,
    row.body_size,
    row.message_count,
    row.status_count,
    row.received_at,
    row.processed_at,
    row.attempts,
    row.next_attempt_at,
    pgText(clip(row.last_error, MAX_ROW_TEXT)),
    row.body_sha256,
    pgText(row.source_ip),
    pgJson(row.request_headers),
  ];
}
