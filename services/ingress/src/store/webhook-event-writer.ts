import type { Db } from "@atendo/db";
import { createGroupCommit } from "./group-commit.js";
import type { IngressTables, WebhookEventsTable } from "./ingress-tables.js";

/** A delivery to store as received. */
export type NewWebhookEvent = WebhookEventsTable;

/**
 * The hot-path writes of ingress.webhook_events: one multi-row INSERT (or UPDATE) per tenant for
 * every request that arrives while the previous one commits. Plain Kysely statements with bound
 * parameters: no ORM unit of work, and the body goes to Postgres as a bytea parameter, untouched.
 */
export interface WebhookEventWriter {
  insert(row: NewWebhookEvent): Promise<void>;
  /** queued -> accepted, once every event of the row was published. */
  markAccepted(tenantId: string, id: string): Promise<void>;
}

export interface WebhookEventWriterOptions {
  db: Db;
  /** Rows in one statement. Default 200. */
  maxBatch?: number;
  /** Transactions of one tenant at the same time. Default 2. */
  maxInFlightPerTenant?: number;
}

export function createWebhookEventWriter(options: WebhookEventWriterOptions): WebhookEventWriter {
  const { db } = options;
  const maxBatch = options.maxBatch ?? 200;
  const maxInFlightPerKey = options.maxInFlightPerTenant ?? 4;

  const inserts = createGroupCommit<NewWebhookEvent>({
    maxBatch,
    maxInFlightPerKey,
    commit: (tenantId, rows) =>
      db.withTenant(tenantId, async (em) => {
        await em
          .getKysely<IngressTables>()
          .withSchema("ingress")
          .insertInto("webhook_events")
          .values(rows)
          .execute();
      }),
  });

  const accepts = createGroupCommit<string>({
    maxBatch,
    maxInFlightPerKey,
    commit: (tenantId, ids) =>
      db.withTenant(tenantId, async (em) => {
        // Losing this update in a crash only means the sweeper republishes the row (deduplicated):
        // no need to wait for the WAL flush.
        await em.execute("set local synchronous_commit = off", [], "run");
        await em
          .getKysely<IngressTables>()
          .withSchema("ingress")
          .updateTable("webhook_events")
          .set({ status: "accepted", processed_at: new Date() })
          .where("id", "in", ids)
          .where("status", "=", "queued")
          .execute();
      }),
  });

  return {
    insert: (row) => inserts.submit(row.tenant_id, row),
    markAccepted: (tenantId, id) => accepts.submit(tenantId, id),
  };
}
