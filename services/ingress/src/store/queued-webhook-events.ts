import { type Db, type EntityManager, pgText } from "@atendo/db";
import { clip } from "../domain/json-read.js";
import type { IngressTables, WebhookEventsTable } from "./ingress-tables.js";

export interface QueuedRef {
  id: string;
  tenantId: string;
}

/** Longest reason or error text kept on a row. */
export const MAX_ROW_TEXT = 1000;

/** The sweeper's queries over rows left `queued` (the outbox). */
export interface QueuedWebhookEvents {
  /**
   * Queued rows of every tenant whose next attempt is due, soonest first: ids only, through the
   * SECURITY DEFINER function (the service role cannot see across tenants).
   */
  findDue(limit: number): Promise<QueuedRef[]>;
  /** Inside the row's tenant transaction: locks the row if it is still queued and no one else holds it. */
  claim(em: EntityManager, id: string): Promise<WebhookEventsTable | undefined>;
  /**
   * Inside the same transaction: the row is done (from queued, held or failed): `accepted`, or
   * `ignored` when its body turned out to be for another number or account.
   */
  markAccepted(
    em: EntityManager,
    id: string,
    result: { messageCount: number; statusCount: number; reason: string; ignored?: boolean },
  ): Promise<void>;
  /**
   * Inside the same transaction: an attempt failed. With `nextAttemptAt` the row stays queued until
   * then; without, it is `failed` for good.
   */
  markAttemptFailed(
    em: EntityManager,
    id: string,
    result: { attempts: number; error: string; nextAttemptAt: Date | undefined },
  ): Promise<void>;
}

const table = (em: EntityManager) => em.getKysely<IngressTables>().withSchema("ingress");

export function createQueuedWebhookEvents(db: Db): QueuedWebhookEvents {
  return {
    async findDue(limit) {
      const rows = await db.withoutTenant((em) =>
        em.execute<Array<{ id: string; tenant_id: string }>>(
          "select id, tenant_id from ingress.due_webhook_events(?)",
          [limit],
        ),
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
    },
    async claim(em, id) {
      const row = await table(em)
        .selectFrom("webhook_events")
        .selectAll()
        .where("id", "=", id)
        .where("status", "=", "queued")
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      // The ORM's pg setup leaves timestamps as text; the domain wants a Date.
      return row === undefined ? undefined : { ...row, received_at: new Date(row.received_at) };
    },
    async markAccepted(em, id, result) {
      await table(em)
        .updateTable("webhook_events")
        .set({
          status: result.ignored === true ? "ignored" : "accepted",
          processed_at: new Date(),
          next_attempt_at: null,
          message_count: result.messageCount,
          status_count: result.statusCount,
          reason: pgText(clip(result.reason, MAX_ROW_TEXT)),
        })
        .where("id", "=", id)
        .execute();
    },
    async markAttemptFailed(em, id, result) {
      const failed = result.nextAttemptAt === undefined;
      await table(em)
        .updateTable("webhook_events")
        .set({
          status: failed ? "failed" : "queued",
          attempts: result.attempts,
          next_attempt_at: result.nextAttemptAt ?? null,
          last_error: pgText(clip(result.error, MAX_ROW_TEXT)),
          ...(failed ? { processed_at: new Date() } : {}),
        })
        .where("id", "=", id)
        .execute();
    },
  };
}
