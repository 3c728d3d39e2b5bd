import { inboxTableSql, Migration, tenantRls } from "@atendo/db";
import { serviceOnlyFunctionSql } from "./function-grants.js";

const ROLES = "('OWNER', 'ADMIN', 'AGENT')";

/**
 * Identity and access: users (global: one person, many tenants), memberships, invitations, refresh
 * tokens, API keys, the JWT signing keys (global) and the audit log, plus the inbox of the audit
 * consumer. Tenant tables are under forced RLS; the questions asked before a tenant is known (which
 * tenants a user belongs to, whose invitation / refresh token / API key this is) go through
 * SECURITY DEFINER functions that answer ids only, like those of the first migration.
 */
export class Migration20260310000000Identity extends Migration {
  override up(): void {
    // Emails are stored lowercased (domain/email.ts); the index makes that a hard rule.
    this.addSql(`create table tenant.users (
      id uuid primary key,
      email text not null,
      name text not null,
      password_hash text not null,
      platform_admin boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_login_at timestamptz,
      constraint users_email_lowercase check (email = lower(email)))`);
    this.addSql("create unique index users_email_key on tenant.users (lower(email))");

    this.addSql(`create table tenant.memberships (
      id uuid primary key,
      tenant_id uuid not null references tenant.tenants (id),
      user_id uuid not null references tenant.users (id),
      role text not null,
      workspace_ids uuid[] not null default '{}',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      last_login_at timestamptz,
      constraint memberships_role_check check (role in ${ROLES}),
      constraint memberships_tenant_user_key unique (tenant_id, user_id))`);
    this.addSql("create index memberships_user on tenant.memberships (user_id)");
    for (const sql of tenantRls("tenant.memberships")) this.addSql(sql);

    this.addSql(`create table tenant.invitations (
      id uuid primary key,
      tenant_id uuid not null references tenant.tenants (id),
      email text not null,
      role text not null,
      workspace_ids uuid[] not null default '{}',
      token_hash bytea not null,
      invited_by uuid,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid,
      revoked_at timestamptz,
      constraint invitations_role_check check (role in ${ROLES}),
      constraint invitations_token_hash_key unique (token_hash))`);
    // One open invitation per address: a new one replaces (revokes) the previous one.
    this.addSql(`create unique index invitations_open_email_key on tenant.invitations (tenant_id, email)
      where accepted_at is null and revoked_at is null`);
    for (const sql of tenantRls("tenant.invitations")) this.addSql(sql);

    this.addSql(`create table tenant.refresh_tokens (
      id uuid primary key,
      tenant_id uuid not null references tenant.tenants (id),
      user_id uuid not null references tenant.users (id),
      family_id uuid not null,
      token_hash bytea not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz,
      replaced_by uuid,
      constraint refresh_tokens_token_hash_key unique (token_hash))`);
    this.addSql("create index refresh_tokens_family on tenant.refresh_tokens (family_id)");
    this.addSql(`create index refresh_tokens_live_user on tenant.refresh_tokens (tenant_id, user_id)
      where revoked_at is null`);
    for (const sql of tenantRls("tenant.refresh_tokens")) this.addSql(sql);

    this.addSql(`create table tenant.api_keys (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      name text not null,
      prefix text not null,
      key_hash bytea not null,
      scopes text[] not null,
      created_by uuid,
      created_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz,
      expires_at timestamptz,
      constraint api_keys_prefix_key unique (prefix),
      constraint api_keys_workspace_fkey foreign key (tenant_id, workspace_id)
        references tenant.workspaces (tenant_id, id))`);
    this.addSql("create index api_keys_workspace on tenant.api_keys (workspace_id, id)");
    for (const sql of tenantRls("tenant.api_keys")) this.addSql(sql);

    // Global: tokens of every tenant are signed with the same keys, one set per issuer (deployments
    // sharing a database, such as test runs, keep their own). The private key is sealed with the
    // channel-secret key ring (key_id says which key), bound to its kid.
    this.addSql(`create table tenant.signing_keys (
      kid text primary key,
      issuer text not null,
      algorithm text not null,
      public_jwk jsonb not null,
      private_key bytea not null,
      key_id text not null,
      created_at timestamptz not null,
      active_from timestamptz not null,
      retire_after timestamptz,
      constraint signing_keys_algorithm_check check (algorithm = 'EdDSA'))`);
    this.addSql("create index signing_keys_issuer on tenant.signing_keys (issuer, active_from)");

    this.addSql(`create table tenant.audit_log (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid,
      actor_kind text not null,
      actor_id text not null default '',
      actor_name text not null default '',
      action text not null,
      target_type text not null,
      target_id text not null,
      before jsonb,
      after jsonb,
      occurred_at timestamptz not null,
      correlation_id text not null default '')`);
    this.addSql("create index audit_log_tenant_id on tenant.audit_log (tenant_id, id desc)");
    for (const sql of tenantRls("tenant.audit_log")) this.addSql(sql);

    for (const sql of inboxTableSql("tenant")) this.addSql(sql);

    // Which tenants a user belongs to, the last used first (Login without tenant_id).
    this.addSql(`create function tenant.tenants_of_user(p_user_id uuid) returns setof uuid
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select m.tenant_id from tenant.memberships m where m.user_id = p_user_id
             order by coalesce(m.last_login_at, m.created_at) desc, m.tenant_id $$`);
    this.addSql(`create function tenant.invitation_of_token(p_token_hash bytea)
      returns table (tenant_id uuid, invitation_id uuid)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select i.tenant_id, i.id from tenant.invitations i where i.token_hash = p_token_hash $$`);
    this.addSql(`create function tenant.refresh_token_of_hash(p_token_hash bytea)
      returns table (tenant_id uuid, token_id uuid)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select r.tenant_id, r.id from tenant.refresh_tokens r where r.token_hash = p_token_hash $$`);
    this.addSql(`create function tenant.api_key_of_prefix(p_prefix text)
      returns table (tenant_id uuid, api_key_id uuid)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select k.tenant_id, k.id from tenant.api_keys k where k.prefix = p_prefix $$`);
    for (const sql of serviceOnlyFunctionSql(IDENTITY_LOOKUP_FUNCTIONS)) this.addSql(sql);
  }
}

/** The SECURITY DEFINER functions of this migration, with their signatures (for grants). */
export const IDENTITY_LOOKUP_FUNCTIONS = [
  "tenant.tenants_of_user(uuid)",
  "tenant.invitation_of_token(bytea)",
  "tenant.refresh_token_of_hash(bytea)",
  "tenant.api_key_of_prefix(text)",
] as const;
