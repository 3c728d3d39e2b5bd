import { Migration, tenantRls } from "@atendo/db";

/**
 * Tenants, workspaces and channels, every one under forced row-level security, plus the
 * SECURITY DEFINER lookups the service needs before it knows a tenant. The functions belong to
 * atendo_owner (BYPASSRLS), answer with ids only, pin their search_path, and are not executable by
 * PUBLIC: EXECUTE goes to the service role only (next migration, and `migrate()`).
 */
export class Migration20260301000000Initial extends Migration {
  override up(): void {
    // tenant_id mirrors id so that the shared policy (and its catalogue check) covers tenants too.
    this.addSql(`create table tenant.tenants (
      id uuid primary key,
      tenant_id uuid not null,
      name text not null,
      slug text not null,
      plan text not null,
      status text not null,
      status_reason text not null default '',
      limits jsonb,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint tenants_tenant_id_is_id check (tenant_id = id),
      constraint tenants_plan_check check (plan in ('FREE', 'PRO', 'ENTERPRISE')),
      constraint tenants_status_check check (status in ('ACTIVE', 'SUSPENDED')),
      constraint tenants_slug_key unique (slug))`);
    for (const sql of tenantRls("tenant.tenants")) this.addSql(sql);

    this.addSql(`create table tenant.workspaces (
      id uuid primary key,
      tenant_id uuid not null references tenant.tenants (id),
      name text not null,
      time_zone text not null,
      default_language text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint workspaces_tenant_id_id_key unique (tenant_id, id))`);
    this.addSql(
      "create unique index workspaces_tenant_name_key on tenant.workspaces (tenant_id, lower(name))",
    );
    for (const sql of tenantRls("tenant.workspaces")) this.addSql(sql);

    this.addSql(`create table tenant.channels (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      type text not null,
      name text not null,
      status text not null,
      status_reason text not null default '',
      status_changed_at timestamptz not null,
      config jsonb not null,
      secrets bytea not null,
      key_id text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint channels_workspace_fkey foreign key (tenant_id, workspace_id)
        references tenant.workspaces (tenant_id, id),
      constraint channels_type_check check (type in ('WHATSAPP', 'INSTAGRAM', 'WEB')),
      constraint channels_status_check check (status in ('ACTIVE', 'NEEDS_RECONNECT', 'DISABLED')))`);
    this.addSql(
      "create unique index channels_workspace_name_key on tenant.channels (workspace_id, lower(name))",
    );
    // Within a tenant, one business number (or Instagram account) feeds one live channel. Not across
    // tenants: a global index would tell tenant B that tenant A has a number, and would let anyone
    // squat a number id to block its real owner (webhooks are addressed by channel id anyway).
    this.addSql(`create unique index channels_whatsapp_number_key
      on tenant.channels (tenant_id, (config->>'phone_number_id'))
      where type = 'WHATSAPP' and status <> 'DISABLED'`);
    this.addSql(`create unique index channels_instagram_account_key
      on tenant.channels (tenant_id, (config->>'account_id'))
      where type = 'INSTAGRAM' and status <> 'DISABLED'`);
    this.addSql(`create unique index channels_site_key_key on tenant.channels ((config->>'site_key'))
      where type = 'WEB'`);
    this.addSql("create index channels_tenant on tenant.channels (tenant_id)");
    for (const sql of tenantRls("tenant.channels")) this.addSql(sql);

    this.addSql(`create function tenant.tenant_of_workspace(p_workspace_id uuid) returns uuid
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select w.tenant_id from tenant.workspaces w where w.id = p_workspace_id $$`);
    this.addSql(`create function tenant.tenant_of_channel(p_channel_id uuid) returns uuid
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select c.tenant_id from tenant.channels c where c.id = p_channel_id $$`);
    this.addSql(`create function tenant.channel_of_site_key(p_site_key text)
      returns table (tenant_id uuid, channel_id uuid)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select c.tenant_id, c.id from tenant.channels c
             where c.type = 'WEB' and c.config->>'site_key' = p_site_key $$`);
    // The platform admin's tenant list: a page of ids, newest first (ids are UUIDv7).
    this.addSql(`create function tenant.list_tenant_ids(p_before uuid, p_status text, p_query text, p_limit int)
      returns setof uuid
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select t.id from tenant.tenants t
             where (p_before is null or t.id < p_before)
               and (p_status is null or t.status = p_status)
               and (p_query is null
                    or strpos(lower(t.name), lower(p_query)) > 0
                    or strpos(t.slug, lower(p_query)) > 0)
             order by t.id desc
             limit least(greatest(p_limit, 1), 101) $$`);
    for (const fn of LOOKUP_FUNCTIONS) this.addSql(`revoke all on function ${fn} from public`);
  }
}

/** The SECURITY DEFINER functions, with their signatures (for grants). */
export const LOOKUP_FUNCTIONS = [
  "tenant.tenant_of_workspace(uuid)",
  "tenant.tenant_of_channel(uuid)",
  "tenant.channel_of_site_key(text)",
  "tenant.list_tenant_ids(uuid, text, text, int)",
] as const;
