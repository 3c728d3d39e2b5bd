import { Migration } from "@atendo/db";

/**
 * Releases of held deliveries that can be finished by anyone: each released delivery carries the
 * lease of the run driving it (a TenantReactivated handler or a reconciler pass), renewed while that
 * run lives; past it, the next run takes the release over. Plus the reconciler's cross-tenant lookup.
 */
export class Migration20261210000000 extends Migration {
  override async up(): Promise<void> {
    // Until when the release that took the delivery out of HELD may drive it alone; null once that
    // run has finished it (sent or failed and announced, or held again).
    this.addSql("alter table delivery.deliveries add column release_expires_at timestamptz");
    // attempt_count when it left HELD: the attempts since then count toward DELIVERY_MAX_DELIVER.
    this.addSql("alter table delivery.deliveries add column released_at_attempt integer");
    // Releases made before leases existed have no live driver any more: the next run finishes them.
    this.addSql(`update delivery.deliveries
        set release_expires_at = now(), released_at_attempt = attempt_count
      where resumed_by_event_id is not null and status in ('PENDING', 'SENDING')`);
    this.addSql(
      `create index deliveries_release_open on delivery.deliveries (release_expires_at)
         where release_expires_at is not null`,
    );
    // The reconciler must find held deliveries of every tenant before it knows which tenant to act
    // as. Like ingress.queued_webhook_events: owned by atendo_owner (BYPASSRLS), pinned search_path,
    // ids only, callable only by roles with USAGE on the schema (the delivery role); each tenant is
    // then handled under its own RLS. Keyset pages by tenant id.
    this.addSql(`create function delivery.tenants_with_held_deliveries(after_tenant uuid, max_rows integer)
      returns table (tenant_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select t.tenant_id
          from (select d.tenant_id from delivery.deliveries d where d.status = 'HELD'
                union
                select d.tenant_id from delivery.deliveries d where d.release_expires_at <= now()) t
         where after_tenant is null or t.tenant_id > after_tenant
         order by t.tenant_id
         limit least(greatest(max_rows, 1), 1000)
      $$`);
  }
}
