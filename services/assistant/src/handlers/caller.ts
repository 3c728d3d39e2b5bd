import type { Actor } from "@atendo/proto/common/v1";
import {
  actorOf,
  correlationIdKey,
  forwardCallOptions,
  principalOf,
  withCorrelationId,
} from "@atendo/service-kit";
import type { CallOptions, HandlerContext } from "@connectrpc/connect";

// How handlers call on behalf of their caller (the caller's tenant: `callerTenant` of service-kit).

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
