import type { Db, EntityManager } from "@atendo/db";
import type { IngressTables, WebhookEventsTable } from "./ingress-tables.js";

export interface QueuedRef {
  id: string;
  tenantId: string;
}

/** The sweeper's queries over rows left `queued` (the outbox). */
export interface QueuedWebhookEvents {
  /**
   * Rows of every tenant queued for longer than `olderThanMs`, oldest first: ids only, through the
   * SECURITY DEFINER function (the service role cannot see across tenants).
   */
  findStale(olderThanMs: number, limit: number): Promise<QueuedRef[]>;
  /** Inside the row's tenant transaction: locks the row if it is still queued and no one else holds it. */
  claim(em: EntityManager, id: string): Promise<WebhookEventsTable | undefined>;
  /** Inside the same transaction: the row is done. */
  markAccepted(
    em: EntityManager,
    id: string,
    result: { messageCount: number; statusCount: number; reason: string },
  ): Promise<void>;
}

export function createQueuedWebhookEvents(db: Db): QueuedWebhookEvents {
  return {
    async findStale(olderThanMs, limit) {
      const rows = await db.withoutTenant((em) =>
        em.execute<Array<{ id: string; tenant_id: string }>>(
          "select id, tenant_id from ingress.queued_webhook_events(?, ?)",
          [Math.max(0, Math.round(olderThanMs)), limit],
        ),
      );
      return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
    },
    async claim(em, id) {
      const row = await em
        .getKysely<IngressTables>()
        .withSchema("ingress")
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
      await em
        .getKysely<IngressTables>()
        .withSchema("ingress")
        .updateTable("webhook_events")
        .set({
          status: "accepted",
          processed_at: new Date(),
          message_count: result.messageCount,
          status_count: result.statusCount,
          reason: result.reason,
        })
        .where("id", "=", id)
        .execute();
    },
  };
}
