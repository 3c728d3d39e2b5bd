import type { Db, EntityManager } from "@atendo/db";
import type { IngressTables } from "./ingress-tables.js";

export interface HeldChannelRef {
  channelId: string;
  tenantId: string;
}

/** Queries over deliveries stored `held` (disabled channel, suspended tenant). */
export interface HeldWebhookEvents {
  /** Inside a tenant transaction: the channels of the tenant (or just `channelId`) with held rows. */
  heldChannels(em: EntityManager, channelId?: string): Promise<string[]>;
  /**
   * Inside a tenant transaction: every held row of the channel becomes queued, due at once; returns
   * how many.
   */
  requeue(em: EntityManager, channelId: string): Promise<number>;
  /**
   * Channels of every tenant with rows held within the last `withinMs`, through the SECURITY
   * DEFINER function (the service role cannot see across tenants).
   */
  recentlyHeld(withinMs: number, limit: number): Promise<HeldChannelRef[]>;
  /**
   * Every channel of every tenant with held rows, whatever their age, in channel id order after
   * `afterChannelId` (a page), through a SECURITY DEFINER function.
   */
  heldChannelsAfter(afterChannelId: string | undefined, limit: number): Promise<HeldChannelRef[]>;
  /** Inside a tenant transaction: queued rows of the tenant (or channel) after `afterId`, by id. */
  queuedIds(
    em: EntityManager,
    scope: { channelId?: string; afterId?: string },
    limit: number,
  ): Promise<string[]>;
}

export function createHeldWebhookEvents(db: Db): HeldWebhookEvents {
  const table = (em: EntityManager) => em.getKysely<IngressTables>().withSchema("ingress");
  return {
    async heldChannels(em, channelId) {
      let query = table(em)
        .selectFrom("webhook_events")
        .select("channel_id")
        .distinct()
        .where("status", "=", "held");
      if (channelId !== undefined) query = query.where("channel_id", "=", channelId);
      return (await query.execute()).map((r) => r.channel_id);
    },
    async requeue(em, channelId) {
      const result = await table(em)
        .updateTable("webhook_events")
        .set({ status: "queued", processed_at: null, next_attempt_at: new Date() })
        .where("channel_id", "=", channelId)
        .where("status", "=", "held")
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async recentlyHeld(withinMs, limit) {
      const rows = await db.withoutTenant((em) =>
        em.execute<Array<{ channel_id: string; tenant_id: string }>>(
          "select channel_id, tenant_id from ingress.recently_held_channels(?, ?)",
          [Math.max(0, Math.round(withinMs)), limit],
        ),
      );
      return rows.map((r) => ({ channelId: r.channel_id, tenantId: r.tenant_id }));
    },
    async heldChannelsAfter(afterChannelId, limit) {
      const rows = await db.withoutTenant((em) =>
        em.execute<Array<{ channel_id: string; tenant_id: string }>>(
          "select channel_id, tenant_id from ingress.held_webhook_channels(?, ?)",
          [afterChannelId ?? null, limit],
        ),
      );
      return rows.map((r) => ({ channelId: r.channel_id, tenantId: r.tenant_id }));
    },
    async queuedIds(em, scope, limit) {
      let query = table(em).selectFrom("webhook_events").select("id").where("status", "=", "queued");
      if (scope.channelId !== undefined) query = query.where("channel_id", "=", scope.channelId);
      if (scope.afterId !== undefined) query = query.where("id", ">", scope.afterId);
      return (await query.orderBy("id").limit(limit).execute()).map((r) => r.id);
    },
  };
}
