import type { Actor } from "@atendo/proto/common/v1";
import {
  actorOf,
  correlationIdKey,
  forwardCallOptions,
  NOT_ALLOWED,
  permissionDenied,
  principalOf,
  withCorrelationId,
} from "@atendo/service-kit";
import type { CallOptions, HandlerContext } from "@connectrpc/connect";

// How handlers learn who calls. The auth interceptor has already applied the policy
// (policies.ts): the request's workspace belongs to the caller's tenant and the caller may use it.

/** The tenant a workspace-scoped RPC works in: always the caller's own. */
export function callerTenant(ctx: Pick<HandlerContext, "values">): string {
  const principal = principalOf(ctx);
  // Workspace rules admit no service; one reaching here would have no tenant of its own to use.
  if (principal.kind === "service") throw permissionDenied(NOT_ALLOWED);
  return principal.tenantId;
}

/** Who makes a change and the chain it belongs to, as the events announcing it name them. */
export function changeBy(ctx: Pick<HandlerContext, "values">): { actor: Actor; correlationId: string } {
  return { actor: actorOf(principalOf(ctx)), correlationId: ctx.values.get(correlationIdKey) };
}

/**
 * Call options for reading the settings this service enforces (plan limits, a workspace's
 * defaults): a user's own credential is forwarded (users may read their tenant); an API key holds
 * no right to read the tenant, so the service asks as itself (its client sends the service token).
 */
export function settingsCallOptions(ctx: HandlerContext): CallOptions {
  if (principalOf(ctx).kind === "user") return forwardCallOptions(ctx);
  const remaining = ctx.timeoutMs();
  return withCorrelationId(ctx.values.get(correlationIdKey), {
    signal: ctx.signal,
    ...(remaining === undefined ? {} : { timeoutMs: remaining }),
  });
}
