import { Migration } from "@atendo/db";

/**
 * The outbox gives up on a row instead of stalling: attempts, a due time with backoff, the last
 * error and a terminal `failed` status; what rejected requests leave (hash, source, headers); and a
 * cross-tenant list of every channel with held rows, for the periodic recheck of holds.
 *
 * Only columns with defaults and indexes are added: a later prune over `received_at` (retention)
 * needs nothing from this migration, and no other table refers to webhook_events.
 */
export class OutboxAttemptsMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table ingress.webhook_events
      add column attempts integer not null default 0,
      add column next_attempt_at timestamptz,
      add column last_error text not null default '',
      add column body_sha256 bytea,
      add column source_ip text not null default '',
      add column request_headers jsonb not null default '{}'::jsonb`);
    this.addSql("alter table ingress.webhook_events drop constraint webhook_events_status_check");
    this.addSql(`alter table ingress.webhook_events add constraint webhook_events_status_check
      check (status in ('queued', 'accepted', 'rejected', 'held', 'failed'))`);

    // The sweep takes rows by due time. A queued row without next_attempt_at (stored by a replica
    // of the previous version during a rolling update) is due from its arrival.
    this.addSql("drop function ingress.queued_webhook_events(bigint, integer)");
    this.addSql("drop index ingress.webhook_events_queued");
    this.addSql(`create index webhook_events_due on ingress.webhook_events
      ((coalesce(next_attempt_at, received_at))) where status = 'queued'`);
    // Like the function it replaces: owned by atendo_owner (BYPASSRLS), ids only; each row is then
    // read and updated under its own tenant.
    this.addSql(`create function ingress.due_webhook_events(max_rows integer)
      returns table (id uuid, tenant_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select w.id, w.tenant_id
          from ingress.webhook_events w
         where w.status = 'queued'
           and coalesce(w.next_attempt_at, w.received_at) <= now()
         order by coalesce(w.next_attempt_at, w.received_at)
         limit max_rows
      $$`);

    // Every channel with held rows, whatever their age, a page at a time in channel order. The
    // recursive query jumps from one channel to the next through the index instead of reading
    // every held row (a suspended tenant may hold many).
    this.addSql(
      "create index webhook_events_held_channel on ingress.webhook_events (channel_id) where status = 'held'",
    );
    this.addSql(`create function ingress.held_webhook_channels(after_channel uuid, max_rows integer)
      returns table (channel_id uuid, tenant_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        with recursive held as (
          (select w.channel_id, w.tenant_id
             from ingress.webhook_events w
            where w.status = 'held'
              and w.channel_id > coalesce(after_channel, '00000000-0000-0000-0000-000000000000'::uuid)
            order by w.channel_id
            limit 1)
          union all
          select n.channel_id, n.tenant_id
            from held h
           cross join lateral (
             select w.channel_id, w.tenant_id
               from ingress.webhook_events w
              where w.status = 'held' and w.channel_id > h.channel_id
              order by w.channel_id
              limit 1) n
        )
        select held.channel_id, held.tenant_id from held limit max_rows
      $$`);
  }
}
