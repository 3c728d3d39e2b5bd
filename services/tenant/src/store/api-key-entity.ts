import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const ApiKeyEntity = defineEntity({
  name: "ApiKeyEntity",
  tableName: "api_keys",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    name: p.text(),
    /** Public part of the key, unique: how a presented key is found. */
    prefix: p.text(),
    /** SHA-256 of the whole key. */
    keyHash: p.blob(),
    scopes: p.array(),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    expiresAt: p.datetime().nullable(),
  },
});
export type ApiKeyEntity = InferEntity<typeof ApiKeyEntity>;
