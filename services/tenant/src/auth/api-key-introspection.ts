import { timingSafeEqual } from "node:crypto";
import type { Db } from "@atendo/db";
import type { ApiKeyPrincipal } from "@atendo/service-kit";
import { apiKeyPrefix } from "../domain/api-key-format.js";
import { sha256 } from "../domain/opaque-token.js";
import { API_KEY_CACHE_TTL_S, API_KEY_LAST_USED_RESOLUTION_S } from "../domain/token-lifetimes.js";
import { ApiKeyEntity } from "../store/api-key-entity.js";
import type { IdentityLookups } from "../store/identity-lookups.js";
import { findTenant } from "../store/tenant-repository.js";

/** The principal of a valid key and how long it may be cached; undefined for any invalid key. */
export type ApiKeyIntrospection = (
  apiKey: string,
) => Promise<{ principal: ApiKeyPrincipal; cacheTtlMs: number } | undefined>;

/**
 * Resolves a presented key: found by its public prefix, compared by SHA-256 in constant time,
 * refused when revoked, expired, or its tenant is suspended. Marks the key used at most once a
 * minute (a conditional update, so busy keys do not write on every request).
 */
export function createApiKeyIntrospection(deps: {
  db: Db;
  identity: IdentityLookups;
  now: () => Date;
}): ApiKeyIntrospection {
  return async (apiKey) => {
    const prefix = apiKeyPrefix(apiKey);
    if (prefix === undefined) return undefined;
    const owner = await deps.identity.apiKeyOfPrefix(prefix);
    if (owner === undefined) return undefined;
    return deps.db.withTenant(owner.tenantId, async (em) => {
      const key = await em.findOne(ApiKeyEntity, { id: owner.id });
      if (key === null || !timingSafeEqual(Buffer.from(key.keyHash), sha256(apiKey))) return undefined;
      const now = deps.now();
      if (key.revokedAt != null || (key.expiresAt != null && key.expiresAt <= now)) return undefined;
      if ((await findTenant(em, owner.tenantId))?.status !== "ACTIVE") return undefined;
      await em.execute(
        `update tenant.api_keys set last_used_at = ? where id = ?
           and (last_used_at is null or last_used_at < ?)`,
        [now, key.id, new Date(now.getTime() - API_KEY_LAST_USED_RESOLUTION_S * 1000)],
        "run",
      );
      const principal: ApiKeyPrincipal = {
        kind: "api_key",
        apiKeyId: key.id,
        tenantId: key.tenantId,
        workspaceId: key.workspaceId,
        scopes: [...key.scopes],
      };
      return { principal, cacheTtlMs: API_KEY_CACHE_TTL_S * 1000 };
    });
  };
}
