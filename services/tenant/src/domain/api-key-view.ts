import { type ApiKey, ApiKeySchema } from "@atendo/proto/tenant/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";

/** A key without its secret (only the public prefix). */
export function apiKeyView(k: {
  id: string;
  tenantId: string;
  workspaceId: string;
  name: string;
  prefix: string;
  scopes: readonly string[];
  createdBy: string | null | undefined;
  createdAt: Date;
  lastUsedAt: Date | null | undefined;
  revokedAt: Date | null | undefined;
  expiresAt: Date | null | undefined;
}): ApiKey {
  return create(ApiKeySchema, {
    id: k.id,
    tenantId: k.tenantId,
    workspaceId: k.workspaceId,
    name: k.name,
    prefix: k.prefix,
    scopes: [...k.scopes],
    createdByUserId: k.createdBy ?? "",
    createdAt: timestampFromDate(k.createdAt),
    ...(k.lastUsedAt == null ? {} : { lastUsedAt: timestampFromDate(k.lastUsedAt) }),
    ...(k.revokedAt == null ? {} : { revokedAt: timestampFromDate(k.revokedAt) }),
    ...(k.expiresAt == null ? {} : { expiresAt: timestampFromDate(k.expiresAt) }),
  });
}
