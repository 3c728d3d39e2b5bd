import { Migration } from "@atendo/db";
import { serviceOnlyFunctionSql } from "./function-grants.js";

/**
 * Email verification, the operator's platform-admin ledger, SignUp's slug check, and the lookups
 * of the key-ring re-encryption job.
 *
 * No existing user is marked verified: until now InviteMember returned the invitation token to the
 * inviter, so an accepted invitation did not prove the address. Everyone proves it once.
 */
export class Migration20260601000000Verification extends Migration {
  override up(): void {
    this.addSql("alter table tenant.users add column email_verified_at timestamptz");

    // Global like users (a person spans tenants). Only the token's SHA-256 is kept; `email` is the
    // address the link was mailed to, so a link cannot verify an address the account no longer has.
    this.addSql(`create table tenant.email_verifications (
      id uuid primary key,
      user_id uuid not null references tenant.users (id) on delete cascade,
      email text not null,
      token_hash bytea not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      constraint email_verifications_token_hash_key unique (token_hash))`);
    this.addSql(`create index email_verifications_open_user on tenant.email_verifications (user_id)
      where used_at is null`);

    // What the operator command granted or revoked, and who ran it. The service role gets no right
    // on it at all (grant-lookups.ts): only the owner, through the command, writes it.
    this.addSql(`create table tenant.platform_admin_changes (
      id uuid primary key,
      user_id uuid not null,
      email text not null,
      action text not null,
      operator text not null,
      occurred_at timestamptz not null,
      constraint platform_admin_changes_action_check check (action in ('grant', 'revoke')))`);

    // The channels sealed with some of the ring's keys, a page of ids at a time (the re-encryption
    // job opens and re-seals each inside its own tenant), and how many rows each key still seals.
    this.addSql(`create function tenant.channels_sealed_with(p_key_ids text[], p_after uuid, p_limit int)
      returns table (tenant_id uuid, channel_id uuid)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select c.tenant_id, c.id from tenant.channels c
             where c.key_id = any(p_key_ids) and (p_after is null or c.id > p_after)
             order by c.id
             limit least(greatest(p_limit, 1), 1000) $$`);
    // Whether a slug is taken, so SignUp refuses a taken one before it spends an argon2 hash.
    this.addSql(`create function tenant.slug_taken(p_slug text) returns boolean
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select exists (select 1 from tenant.tenants t where t.slug = p_slug) $$`);
    this.addSql(`create function tenant.channel_key_usage()
      returns table (key_id text, channels bigint)
      language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select c.key_id, count(*) from tenant.channels c group by c.key_id order by c.key_id $$`);
    for (const sql of serviceOnlyFunctionSql(VERIFICATION_LOOKUP_FUNCTIONS)) this.addSql(sql);
  }
}

/** The SECURITY DEFINER functions of this migration, with their signatures (for grants). */
export const VERIFICATION_LOOKUP_FUNCTIONS = [
  "tenant.slug_taken(text)",
  "tenant.channels_sealed_with(text[], uuid, int)",
  "tenant.channel_key_usage()",
] as const;
