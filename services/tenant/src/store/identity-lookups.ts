import type { Db } from "@atendo/db";

/**
 * Identity questions asked before the tenant is known, answered by the SECURITY DEFINER functions
 * of migrations 0003 and 0004 (ids or yes/no only). Nothing is cached: memberships, tokens and keys change.
 */
export interface IdentityLookups {
  /** The tenants a user belongs to, the one used last first. */
  tenantsOfUser(userId: string): Promise<string[]>;
  invitationOfToken(tokenHash: Buffer): Promise<{ tenantId: string; id: string } | undefined>;
  refreshTokenOfHash(tokenHash: Buffer): Promise<{ tenantId: string; id: string } | undefined>;
  apiKeyOfPrefix(prefix: string): Promise<{ tenantId: string; id: string } | undefined>;
  /** Whether a tenant has this slug (SignUp asks before it hashes a password). */
  slugTaken(slug: string): Promise<boolean>;
}

export function createIdentityLookups(db: Db): IdentityLookups {
  const pair = (sql: string, param: unknown) =>
    db.withoutTenant(async (em) => {
      const rows = await em.execute<Array<{ tenant_id: string; id: string }>>(sql, [param], "all");
      const row = rows[0];
      return row === undefined ? undefined : { tenantId: row.tenant_id, id: row.id };
    });
  return {
    tenantsOfUser: (userId) =>
      db.withoutTenant(async (em) => {
        const rows = await em.execute<Array<{ id: string }>>(
          "select id from tenant.tenants_of_user(?::uuid) as id",
          [userId],
          "all",
        );
        return rows.map((r) => r.id);
      }),
    invitationOfToken: (hash) =>
      pair("select tenant_id, invitation_id as id from tenant.invitation_of_token(?)", hash),
    refreshTokenOfHash: (hash) =>
      pair("select tenant_id, token_id as id from tenant.refresh_token_of_hash(?)", hash),
    apiKeyOfPrefix: (prefix) =>
      pair("select tenant_id, api_key_id as id from tenant.api_key_of_prefix(?)", prefix),
    slugTaken: (slug) =>
      db.withoutTenant(async (em) => {
        const rows = await em.execute<Array<{ taken: boolean }>>(
          "select tenant.slug_taken(?) as taken",
          [slug],
          "all",
        );
        return rows[0]?.taken === true;
      }),
  };
}
