import type { EntityManager } from "@mikro-orm/postgresql";
import { sql } from "kysely";
import { assertIdentifier, quoteIdentifier } from "./identifiers.js";
import type { EncodedEvent } from "./inbox.js";
import { OUTBOX_TABLE } from "./outbox-table.js";
import type { OutboxTables } from "./outbox-tables.js";

/** A row the relay is about to publish. */
export interface OutboxRow {
  id: string;
  attempts: number;
  event: EncodedEvent;
}

export interface ClaimedRow {
  id: string;
  tenantId: string;
}

export interface OutboxStats {
  pending: number;
  failed: number;
  /** When the oldest pending row was written; undefined when none is pending. */
  oldestPendingAt: Date | undefined;
}

export interface FailureUpdate {
  id: string;
  error: string;
  /** The row becomes `failed` for good instead of waiting `delayMs`. */
  final: boolean;
  delayMs: number;
}

/** The relay's SQL. Claims and stats run across tenants (SECURITY DEFINER); the rest under RLS. */
export function createOutboxStore(schema: string) {
  assertIdentifier("schema", schema);
  const fn = (name: string) => `${quoteIdentifier(schema)}.${name}`;
  const rows = (em: EntityManager) => em.getKysely<OutboxTables>().withSchema(schema);

  return {
    /** Leases up to `maxRows` due rows for `leaseMs`; ids and tenants only. */
    async claim(em: EntityManager, maxRows: number, leaseMs: number): Promise<ClaimedRow[]> {
      const claimed = await em.execute<Array<{ id: string; tenant_id: string }>>(
        `select id::text as id, tenant_id from ${fn("outbox_claim")}(?, ?)`,
        [maxRows, leaseMs],
        "all",
      );
      return claimed.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
    },

    /** The still pending rows among `ids`, in the order they were added. */
    async load(em: EntityManager, ids: readonly string[]): Promise<OutboxRow[]> {
      if (ids.length === 0) return [];
      const found = await rows(em)
        .selectFrom(OUTBOX_TABLE)
        .select(["id", "attempts", "subject", "msg_id", "event_type", "data"])
        .where("id", "in", [...ids])
        .where("status", "=", "pending")
        .orderBy("id")
        .execute();
      return found.map((r) => ({
        id: String(r.id),
        attempts: r.attempts,
        event: { subject: r.subject, msgId: r.msg_id, eventType: r.event_type, data: new Uint8Array(r.data) },
      }));
    },

    async markPublished(em: EntityManager, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await rows(em)
        .updateTable(OUTBOX_TABLE)
        .set({ status: "published", published_at: sql<Date>`now()`, last_error: null })
        .where("id", "in", [...ids])
        .where("status", "=", "pending")
        .execute();
    },

    async markFailure(em: EntityManager, failure: FailureUpdate): Promise<void> {
      await rows(em)
        .updateTable(OUTBOX_TABLE)
        .set({
          attempts: sql<number>`attempts + 1`,
          last_error: failure.error,
          status: failure.final ? "failed" : "pending",
          next_attempt_at: sql<Date>`now() + ${failure.delayMs} * interval '1 millisecond'`,
        })
        .where("id", "=", failure.id)
        .where("status", "=", "pending")
        .execute();
    },

    /** Ends the lease of rows this relay did not try: they are due again (in their turn). */
    async release(em: EntityManager, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await rows(em)
        .updateTable(OUTBOX_TABLE)
        .set({ next_attempt_at: sql<Date>`now()` })
        .where("id", "in", [...ids])
        .where("status", "=", "pending")
        .execute();
    },

    async stats(em: EntityManager): Promise<OutboxStats> {
      const [row] = await em.execute<
        Array<{ pending: string; failed: string; oldest_pending_at: Date | string | null }>
      >(`select pending, failed, oldest_pending_at from ${fn("outbox_stats")}()`, [], "all");
      const oldest = row?.oldest_pending_at;
      return {
        pending: Number(row?.pending ?? 0),
        failed: Number(row?.failed ?? 0),
        oldestPendingAt: oldest === null || oldest === undefined ? undefined : new Date(oldest),
      };
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
