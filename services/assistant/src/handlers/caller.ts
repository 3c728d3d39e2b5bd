import { correlationIdKey, forwardCallOptions, principalOf, withCorrelationId } from "@atendo/service-kit";
import type { CallOptions, HandlerContext } from "@connectrpc/connect";

// How handlers call on behalf of their caller (the caller's tenant: `callerTenant` of service-kit).

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
