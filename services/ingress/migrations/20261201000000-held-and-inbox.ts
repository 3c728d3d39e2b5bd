import { inboxTableSql, Migration } from "@atendo/db";

/**
 * The inbox of the consumer of tenant events, and what releasing held deliveries needs: the
 * channels of a tenant with held rows, and (for the sweeper) the channels that got held rows lately.
 */
export class HeldAndInboxMigration extends Migration {
  override async up(): Promise<void> {
    for (const sql of inboxTableSql("ingress")) this.addSql(sql);
    this.addSql(
      "create index webhook_events_held on ingress.webhook_events (tenant_id, channel_id) where status = 'held'",
    );
    this.addSql(
      "create index webhook_events_held_recent on ingress.webhook_events (received_at) where status = 'held'",
    );
    // A delivery can be held by a replica that had not yet heard of a reactivation; the sweeper
    // rechecks the channels held lately. Like queued_webhook_events: owned by atendo_owner
    // (BYPASSRLS), ids only, each channel then handled under its own tenant.
    this.addSql(`create function ingress.recently_held_channels(within_ms bigint, max_rows integer)
      returns table (channel_id uuid, tenant_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select distinct w.channel_id, w.tenant_id
          from ingress.webhook_events w
         where w.status = 'held'
           and w.received_at > now() - make_interval(secs => within_ms / 1000.0)
         limit max_rows
      $$`);
  }
}
