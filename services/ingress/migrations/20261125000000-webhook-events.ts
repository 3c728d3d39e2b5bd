import { Migration, tenantRls } from "@atendo/db";

/** ingress.webhook_events: every delivery as received (the outbox of its events). */
export class WebhookEventsMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table ingress.webhook_events (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      channel_id uuid not null,
      channel_type text not null check (channel_type in ('whatsapp', 'instagram', 'web')),
      status text not null check (status in ('queued', 'accepted', 'rejected', 'held')),
      reason text not null default '',
      body bytea not null,
      body_size integer not null,
      message_count integer not null default 0,
      status_count integer not null default 0,
      received_at timestamptz not null,
      processed_at timestamptz)`);
    // Lists are newest first by id (UUIDv7 is time-ordered), per workspace or per channel.
    this.addSql("create index webhook_events_workspace on ingress.webhook_events (workspace_id, id desc)");
    this.addSql("create index webhook_events_channel on ingress.webhook_events (channel_id, id desc)");
    // The sweeper's scan: only rows still queued, oldest first.
    this.addSql(
      "create index webhook_events_queued on ingress.webhook_events (received_at) where status = 'queued'",
    );
    for (const sql of tenantRls("ingress.webhook_events")) this.addSql(sql);

    // The sweeper must find queued rows of every tenant before it knows which tenant to act as.
    // Owned by atendo_owner (BYPASSRLS), it answers ids only; each row is then read and updated
    // under its own tenant. Callable only by roles with USAGE on the schema (the ingress role).
    this.addSql(`create function ingress.queued_webhook_events(older_than_ms bigint, max_rows integer)
      returns table (id uuid, tenant_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select w.id, w.tenant_id
          from ingress.webhook_events w
         where w.status = 'queued'
           and w.received_at < now() - make_interval(secs => older_than_ms / 1000.0)
         order by w.received_at
         limit max_rows
      $$`);
  }
}
