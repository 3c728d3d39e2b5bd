import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** One single-use refresh token; the tokens of one login form a family. */
export const RefreshTokenEntity = defineEntity({
  name: "RefreshTokenEntity",
  tableName: "refresh_tokens",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    userId: p.uuid(),
    familyId: p.uuid(),
    /** SHA-256 of the token. */
    tokenHash: p.blob(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** The token that replaced this one at its (only) use. */
    replacedBy: p.uuid().nullable(),
  },
});
export type RefreshTokenEntity = InferEntity<typeof RefreshTokenEntity>;
