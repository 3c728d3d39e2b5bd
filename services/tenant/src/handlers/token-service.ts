import { PrincipalKind, type TokenService } from "@atendo/proto/tenant/v1";
import { failedPrecondition, notFound, unauthenticated } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { serviceTokenSpec } from "../domain/token-claims.js";
import { SERVICE_TOKEN_TTL_S, VISITOR_TOKEN_DEFAULT_TTL_S } from "../domain/token-lifetimes.js";
import { findChannel } from "../store/channel-repository.js";
import { findTenant } from "../store/tenant-repository.js";
import { tenantOfCall } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";
import { tenantSuspended } from "./tenant-errors.js";

/** TokenService (internal): service tokens, API key introspection (every service), visitor tokens (ingress). */
export function createTokenService(deps: HandlerDeps): ServiceImpl<typeof TokenService> {
  return {
    issueVisitorToken: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const found = await deps.db.withTenant(tenantId, async (em) => ({
          channel: await findChannel(em, req.channelId),
          tenant: await findTenant(em, tenantId),
        }));
        const { channel, tenant } = found;
        if (channel === null || tenant === null) throw notFound("channel", req.channelId);
        if (channel.type !== "WEB") throw failedPrecondition("visitor tokens are for web channels only");
        if (channel.status === "DISABLED") throw failedPrecondition("the channel is disabled");
        if (tenant.status !== "ACTIVE") throw tenantSuspended();
        const ttlS =
          req.ttl === undefined
            ? VISITOR_TOKEN_DEFAULT_TTL_S
            : Number(req.ttl.seconds) + (req.ttl.nanos > 0 ? 1 : 0);
        const signed = await deps.tokens.sign({
          typ: "visitor+jwt",
          sub: req.visitorId,
          claims: {
            tid: tenantId,
            wsid: channel.workspaceId,
            chid: channel.id,
            sid: req.sessionId,
            ver: req.verified,
          },
          ttlS,
        });
        return { visitorToken: signed.token, expiresAt: timestampFromDate(signed.expiresAt) };
      }),

    introspectApiKey: (req) =>
      rpc(async () => {
        const answer = await deps.introspectApiKey(req.apiKey);
        if (answer === undefined) throw unauthenticated("unknown, expired or revoked API key");
        const p = answer.principal;
        return {
          principal: {
            kind: PrincipalKind.API_KEY,
            tenantId: p.tenantId,
            workspaceIds: [p.workspaceId],
            apiKeyId: p.apiKeyId,
            scopes: [...p.scopes],
          },
          cacheTtl: durationFromMs(answer.cacheTtlMs),
        };
      }),

    issueServiceToken: (req, ctx) =>
      rpc(async () => {
        if (!deps.serviceCredentials.verify(req.service, req.credential)) {
          withContext(deps.logger, { correlationId: correlationOf(ctx) }).warn(
            { service: req.service },
            "service token refused: wrong credential",
          );
          throw unauthenticated("invalid service credential");
        }
        const signed = await deps.tokens.sign(serviceTokenSpec(req.service, SERVICE_TOKEN_TTL_S));
        return { serviceToken: signed.token, expiresAt: timestampFromDate(signed.expiresAt) };
      }),
  };
}
