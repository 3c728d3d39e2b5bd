import type { EntityManager } from "@atendo/db";
import { ActorKind, ActorSchema, ErrorReason } from "@atendo/proto/common/v1";
import {
  actorOf,
  commonError,
  type Principal,
  permissionDenied,
  principalKey,
  principalOf,
  requireWorkspace,
  type UserPrincipal,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { AuditActor, AuditContext } from "../domain/audit.js";
import type { EventOrigin } from "../domain/events.js";
import { ApiKeyRow } from "../store/api-key-row.js";
import { findUser } from "../store/user-repository.js";
import { correlationOf } from "./context.js";

// How handlers learn who calls. The auth interceptor has already checked the policy (policies.ts):
// these helpers only pick the tenant the call acts on and the actor for the audit log.

/**
 * The tenant a tenant-targeted RPC acts on: the caller's own, or the one in the request for the
 * callers a rule lets act on any tenant (services, platform admins).
 */
export function tenantOfCall(ctx: HandlerContext, requestTenantId: string): string {
  const p = principalOf(ctx);
  if (p.kind === "service" || (p.kind === "user" && p.platformAdmin)) return requestTenantId;
  // The interceptor refused another tenant already; this keeps the tenant from the principal.
  if (p.tenantId !== requestTenantId) throw permissionDenied("not allowed");
  return p.tenantId;
}

/** The tenant of a workspace the call targets (checked against the caller like the interceptor does). */
export function tenantOfWorkspaceCall(ctx: HandlerContext, workspaceId: string): Promise<string> {
  return requireWorkspace(ctx, workspaceId);
}

/** The calling user; `permission_denied` for any other kind of caller. */
export function userOf(ctx: HandlerContext): UserPrincipal {
  const p = principalOf(ctx);
  if (p.kind !== "user") throw permissionDenied("not allowed");
  return p;
}

/** The caller of a public RPC when it presented valid credentials, else undefined. */
export function optionalCaller(ctx: HandlerContext): Principal | undefined {
  return ctx.values.get(principalKey);
}

/** Who the audit log names for this call, as seen from `tenantId` (read in the caller's transaction). */
export async function auditActor(em: EntityManager, p: Principal, tenantId: string): Promise<AuditActor> {
  switch (p.kind) {
    case "user": {
      const user = await findUser(em, p.userId);
      const kind = p.platformAdmin && p.tenantId !== tenantId ? "PLATFORM_ADMIN" : "USER";
      return { kind, id: p.userId, name: user?.email ?? "" };
    }
    case "api_key": {
      const key = await em.findOne(ApiKeyRow, { id: p.apiKeyId });
      return { kind: "API_KEY", id: p.apiKeyId, name: key?.name ?? "" };
    }
    case "visitor":
      return { kind: "VISITOR", id: p.visitorId, name: "" };
    case "service":
      return { kind: "SYSTEM", id: "", name: `service:${p.service}` };
  }
}

/** The audit context of this call in `tenantId`, read in the caller's transaction. */
export async function auditContextOf(
  em: EntityManager,
  ctx: HandlerContext,
  tenantId: string,
): Promise<AuditContext> {
  return {
    tenantId,
    actor: await auditActor(em, principalOf(ctx), tenantId),
    correlationId: correlationOf(ctx),
  };
}

/**
 * Where the events of this call in `tenantId` come from: the caller as service-kit names it, or
 * the platform when a platform admin acts on a tenant that is not their own (their id means
 * nothing to that tenant's subscribers).
 */
export function originOf(ctx: HandlerContext, tenantId: string): EventOrigin {
  const p = principalOf(ctx);
  const actor =
    p.kind === "user" && p.platformAdmin && p.tenantId !== tenantId
      ? create(ActorSchema, { kind: ActorKind.PLATFORM_ADMIN })
      : actorOf(p);
  return { correlationId: correlationOf(ctx), actor };
}

/** The origin of the events of a user acting without a session yet (signing up, accepting). */
export function userOrigin(ctx: HandlerContext, userId: string): EventOrigin {
  return {
    correlationId: correlationOf(ctx),
    actor: create(ActorSchema, { kind: ActorKind.USER, id: userId }),
  };
}

/**
 * What an account may do only once its email is verified (docs/auth.md): invite members, create
 * API keys, connect or change channels. Other callers (API keys, services, platform admins) pass.
 */
export async function requireVerifiedEmail(
  em: EntityManager,
  ctx: HandlerContext,
  what: string,
): Promise<void> {
  const p = principalOf(ctx);
  if (p.kind !== "user" || p.platformAdmin) return;
  const user = await findUser(em, p.userId);
  if (user?.emailVerifiedAt != null) return;
  throw commonError(
    ErrorReason.EMAIL_NOT_VERIFIED,
    `verify your email address before you ${what}: open the link we mailed you, or ask for a new one with AuthService.ResendVerificationEmail`,
  );
}

/** Owners manage owners: making, demoting, removing or inviting one needs an owner (or a platform admin). */
export function requireOwner(ctx: HandlerContext, what: string): void {
  const p = principalOf(ctx);
  if (p.kind === "user" && (p.role === "owner" || p.platformAdmin)) return;
  throw permissionDenied(`only owners can ${what}`);
}
