import type { Plan } from "@atendo/proto/tenant/v1";

/** Who a delivery counts against. */
export interface RateLimitKey {
  tenantId: string;
  channelId: string;
  /** The tenant's plan: it sets both limits. */
  plan: Plan;
}

export type RateLimitDecision =
  | { admitted: true }
  | { admitted: false; scope: "tenant" | "channel"; retryAfterMs: number };

/**
 * Webhook deliveries per tenant and per channel, by plan (one atomic Redis script). A refused
 * delivery is answered 429 with Retry-After and recorded as THROTTLED (metadata only).
 */
export interface WebhookRateLimiter {
  admit(key: RateLimitKey): Promise<RateLimitDecision>;
}
