import { assertIdentifier, quoteIdentifier } from "./identifiers.js";
import { outboxClaimLockKey } from "./migration-lock.js";
import { pruneFunctionSql } from "./prune-function.js";
import { tenantRls } from "./tenant-rls.js";

export const OUTBOX_TABLE = "outbox";

/** `"<schema>"."outbox"` */
export function outboxTable(schema: string): string {
  assertIdentifier("schema", schema);
  return `${quoteIdentifier(schema)}.${quoteIdentifier(OUTBOX_TABLE)}`;
}

/**
 * DDL for `<schema>.outbox` and what its relay and retention need; add it to a migration of every
 * service that publishes events outside a consumer (see createOutbox, createOutboxRelay).
 *
 * - The table: the encoded event (subject, msg_id, event_type, data) of one tenant, its status
 *   (`pending`, `published`, `failed`), attempts, next_attempt_at, last_error, created_at and
 *   published_at, under the tenant policy like every tenant table. `id` is an identity: insert order,
 *   which is the order a tenant's events go out in.
 * - `<schema>.outbox_claim(max_rows, lease_ms)`: the relay's way to find due rows of every tenant
 *   (ids and tenant ids only). It leases them (next_attempt_at moves lease_ms ahead) in one statement,
 *   so two relays never take the same row, and a relay that dies leaves rows that fall due again when
 *   the lease ends. A row waits while an earlier pending row of its tenant is leased or backing off,
 *   which keeps a tenant's events in order across relays. Claims of one schema take turns (an
 *   advisory lock for the few milliseconds of the statement).
 * - `<schema>.outbox_stats()`: pending and failed counts and the oldest pending row's age, for
 *   operators and metrics (no tenant data).
 * - `<schema>.prune_outbox(older_than_ms, max_rows)`: deletes published rows past retention.
 *
 * The functions are SECURITY DEFINER, owned by the migration's owner (atendo_owner, BYPASSRLS), with
 * a pinned search_path, like every cross-tenant lookup.
 */
export function outboxTableSql(schema: string): string[] {
  const table = outboxTable(schema);
  const s = quoteIdentifier(schema);
  const [lockClass, lockId] = outboxClaimLockKey(schema);
  return [
    `create table ${table} (
      id bigint generated always as identity primary key,
      tenant_id uuid not null,
      subject text not null check (subject <> ''),
      msg_id text not null check (msg_id <> ''),
      event_type text not null,
      data bytea not null,
      status text not null default 'pending' check (status in ('pending', 'published', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      next_attempt_at timestamptz not null default now(),
      last_error text,
      created_at timestamptz not null default now(),
      published_at timestamptz)`,
    // Due rows by due time (the claim), a tenant's pending rows in order (the claim's order rule),
    // published rows by age (retention), failed rows (operators).
    `create index outbox_due on ${table} (next_attempt_at, id) where status = 'pending'`,
    `create index outbox_tenant_pending on ${table} (tenant_id, id) where status = 'pending'`,
    `create index outbox_published on ${table} (published_at) where status = 'published'`,
    `create index outbox_failed on ${table} (created_at) where status = 'failed'`,
    ...tenantRls(`${schema}.${OUTBOX_TABLE}`),
    `create function ${s}.outbox_claim(max_rows integer, lease_ms bigint)
      returns table (id bigint, tenant_id uuid)
      language sql volatile security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select pg_advisory_xact_lock(${lockClass}, ${lockId});
        with due as (
          select o.id from ${table} o
           where o.status = 'pending' and o.next_attempt_at <= now()
             and not exists (
               select 1 from ${table} e
                where e.tenant_id = o.tenant_id and e.status = 'pending'
                  and e.id < o.id and e.next_attempt_at > now())
           order by o.next_attempt_at, o.id
           limit greatest(max_rows, 0)
           for update of o skip locked)
        update ${table} o
           set next_attempt_at = now() + make_interval(secs => greatest(lease_ms, 0) / 1000.0)
          from due
         where o.id = due.id
        returning o.id, o.tenant_id
      $$`,
    `create function ${s}.outbox_stats()
      returns table (pending bigint, failed bigint, oldest_pending_at timestamptz)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select count(*) filter (where o.status = 'pending'),
               count(*) filter (where o.status = 'failed'),
               min(o.created_at) filter (where o.status = 'pending')
          from ${table} o
         where o.status in ('pending', 'failed')
      $$`,
    ...pruneFunctionSql(schema, OUTBOX_TABLE, "published_at", "status = 'published'"),
  ];
}
