import { Plan } from "@atendo/proto/tenant/v1";
import { createLimiter } from "@atendo/service-kit";
import type { Redis } from "ioredis";

/** A sustained rate and the burst allowed on top of it (deliveries admitted at once from rest). */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The limits of one plan. */
export interface PlanRateLimits {
  tenant: RateLimit;
  channel: RateLimit;
}

/** Limits by plan; a tenant without a plan (UNSPECIFIED) gets the free ones. */
export interface RateLimitsByPlan {
  free: PlanRateLimits;
  pro: PlanRateLimits;
  enterprise: PlanRateLimits;
}

export function limitsOfPlan(limits: RateLimitsByPlan, plan: Plan): PlanRateLimits {
  if (plan === Plan.PRO) return limits.pro;
  if (plan === Plan.ENTERPRISE) return limits.enterprise;
  return limits.free;
}

/**
 * The WebhookRateLimiter of src/webhooks/webhook-rate-limit.ts, matched by shape where main.ts wires
 * it (store/ never imports webhooks/). Webhook rate limits per tenant and per channel in Redis (`<prefix>webhook-rate:{<tenant>}:tenant`
 * and `...:channel:<id>`; the hash tag keeps both keys of a tenant in one cluster slot), by the
 * tenant's plan: service-kit's limiter, GCRA over both keys in one script (one round trip), so a
 * delivery is admitted only if the tenant and the channel both allow it, and a refused one spends
 * neither.
 */
export function createWebhookRateLimiter(redis: Redis, limits: RateLimitsByPlan) {
  const limiter = createLimiter(redis);
  return {
    async admit(key: { tenantId: string; channelId: string; plan: Plan }) {
      const { tenant, channel } = limitsOfPlan(limits, key.plan);
      const verdict = await limiter.take([
        { kind: "rate", key: `webhook-rate:{${key.tenantId}}:tenant`, ...tenant },
        { kind: "rate", key: `webhook-rate:{${key.tenantId}}:channel:${key.channelId}`, ...channel },
      ]);
      if (verdict.allowed) return { admitted: true as const };
      const [tenantWait = 0, channelWait = 0] = verdict.keys.map((k) => k.retryAfterMs);
      // The scope that keeps it out longest is the one to name (the tenant's on a tie).
      return {
        admitted: false as const,
        scope: tenantWait >= channelWait ? ("tenant" as const) : ("channel" as const),
        retryAfterMs: verdict.retryAfterMs,
      };
    },
  };
}
