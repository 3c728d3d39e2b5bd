import { newId } from "@atendo/db";
import { ApiKeyService } from "@atendo/proto/tenant/v1";
import { notFound, principalOf } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { newApiKey } from "../domain/api-key-format.js";
import { apiKeyView } from "../domain/api-key-view.js";
import { apiKeySummary } from "../domain/audit-summary.js";
import { apiKeyRevoked } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { sha256 } from "../domain/opaque-token.js";
import { openFromReplay, sealForReplay } from "../domain/replay-secret.js";
import { nonBlank } from "../domain/text.js";
import { ApiKeyRow } from "../store/api-key-row.js";
import { recordAudit } from "../store/audit-log.js";
import { findTenant } from "../store/tenant-repository.js";
import { auditContextOf, originOf, requireVerifiedEmail, tenantOfWorkspaceCall } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { oncePer } from "./once-per-request.js";
import { listPage, uuidAfter } from "./page-cursor.js";
import { rpc } from "./rpc-errors.js";
import { tenantSuspended } from "./tenant-errors.js";

/** ApiKeyService: keys of a workspace; the full key exists only in CreateApiKey's answer. */
export function createApiKeyService(deps: HandlerDeps): ServiceImpl<typeof ApiKeyService> {
  const { db, announce, secretBox } = deps;
  return {
    createApiKey: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const name = nonBlank("name", req.name);
        const expiresAt = req.expiresAt === undefined ? null : timestampDate(req.expiresAt);
        if (expiresAt !== null && expiresAt <= deps.now())
          throw new InvalidInputError("expires_at", "must be in the future");
        const caller = principalOf(ctx);
        const answer = await db.withTenant(tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            ApiKeyService.method.createApiKey,
            { tenantId, request: req },
            async () => {
              if ((await findTenant(em, tenantId))?.status !== "ACTIVE") throw tenantSuspended();
              await requireVerifiedEmail(em, ctx, "create API keys");
              const { key, prefix } = newApiKey();
              const created = em.create(ApiKeyRow, {
                id: newId(),
                tenantId,
                workspaceId: req.workspaceId,
                name,
                prefix,
                keyHash: sha256(key),
                scopes: [...req.scopes],
                createdBy: caller.kind === "user" ? caller.userId : null,
                createdAt: deps.now(),
                lastUsedAt: null,
                revokedAt: null,
                expiresAt,
              });
              recordAudit(em, await auditContextOf(em, ctx, tenantId), {
                action: "api_key.create",
                targetType: "api_key",
                targetId: created.id,
                workspaceId: req.workspaceId,
                after: apiKeySummary(created),
              });
              // The only copy of the key besides the caller's: kept for retries sealed, like every
              // secret at rest.
              return {
                apiKey: apiKeyView(created),
                secret: sealForReplay(secretBox, key, tenantId, req.requestId),
              };
            },
          ),
        );
        withContext(deps.logger, { tenantId, correlationId: correlationOf(ctx) }).info(
          { apiKeyId: answer.apiKey?.id, prefix: answer.apiKey?.prefix, scopes: answer.apiKey?.scopes },
          "api key created",
        );
        answer.secret = openFromReplay(secretBox, answer.secret, tenantId, req.requestId);
        return answer;
      }),

    listApiKeys: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const page = listPage(req, {
          list: "api-keys",
          workspace: req.workspaceId,
          revoked: req.includeRevoked,
        });
        const before = uuidAfter(req.pageToken, page.filters);
        const now = deps.now();
        const rows = await db.withTenant(tenantId, (em) =>
          em.find(
            ApiKeyRow,
            {
              workspaceId: req.workspaceId,
              ...(req.includeRevoked
                ? {}
                : { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }),
              ...(before === undefined ? {} : { id: { $lt: before } }),
            },
            { orderBy: { id: "desc" }, limit: page.size + 1 },
          ),
        );
        const { items, nextPageToken } = page.of(rows, (k) => [k.id]);
        return { apiKeys: items.map(apiKeyView), nextPageToken };
      }),

    revokeApiKey: (req, ctx) =>
      rpc(async () => {
        const tenantId = await tenantOfWorkspaceCall(ctx, req.workspaceId);
        const origin = originOf(ctx, tenantId);
        const { correlationId } = origin;
        const outcome = await db.withTenant(tenantId, async (em) => {
          const row = await em.findOne(ApiKeyRow, { id: req.apiKeyId, workspaceId: req.workspaceId });
          if (row === null) throw notFound("api key", req.apiKeyId);
          if (row.revokedAt !== null) return { row, revoked: false };
          const before = apiKeySummary(row);
          row.revokedAt = deps.now();
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "api_key.revoke",
            targetType: "api_key",
            targetId: row.id,
            workspaceId: row.workspaceId,
            before,
            after: apiKeySummary(row),
          });
          await announce(em, [apiKeyRevoked(row, origin)]);
          return { row, revoked: true };
        });
        const { row, revoked } = outcome;
        if (revoked) {
          // This process stops accepting it now; the event tells every other replica and service.
          deps.apiKeys.evict(row.id);
          withContext(deps.logger, { tenantId, correlationId }).info({ apiKeyId: row.id }, "api key revoked");
        }
        return { apiKey: apiKeyView(row) };
      }),
  };
}
