import { Plan } from "@atendo/proto/tenant/v1";
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

// GCRA (the generic cell rate algorithm) over two keys in one script, so both are judged and spent
// together whatever runs concurrently: a delivery is admitted only if the tenant and the channel
// both allow it, and a refused one spends neither. Each key holds its theoretical arrival time
// (TAT, ms); a delivery moves it one interval on, and is admitted while the TAT stays within
// interval * burst of now. Redis's clock is the only clock, so replicas agree.
// KEYS: tenant, channel. ARGV: tenant interval ms, tenant burst, channel interval ms, channel burst.
// Returns {0, 0} when admitted, else {1 (tenant) | 2 (channel), ms until it would be admitted}.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function judge(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local next_tat = tat + interval
  return next_tat, next_tat - interval * burst - now
end
local tenant_tat, tenant_wait = judge(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
local channel_tat, channel_wait = judge(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
if tenant_wait > 0 or channel_wait > 0 then
  if tenant_wait >= channel_wait then return {1, math.ceil(tenant_wait)} end
  return {2, math.ceil(channel_wait)}
end
redis.call('SET', KEYS[1], string.format('%.3f', tenant_tat), 'PX', math.ceil(tenant_tat - now))
redis.call('SET', KEYS[2], string.format('%.3f', channel_tat), 'PX', math.ceil(channel_tat - now))
return {0, 0}`;

const COMMAND = "ingressWebhookRateAdmit";

/**
 * The WebhookRateLimiter of src/webhooks/webhook-rate-limit.ts, matched by shape where main.ts wires
 * it (store/ never imports webhooks/). Webhook rate limits per tenant and per channel in Redis (`<prefix>webhook-rate:{<tenant>}:tenant`
 * and `...:channel:<id>`; the hash tag keeps both keys of a tenant in one cluster slot), by the
 * tenant's plan.
 */
export function createWebhookRateLimiter(redis: Redis, limits: RateLimitsByPlan) {
  // On the hot path: sent by its SHA (EVALSHA), the script itself only when Redis lacks it.
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ADMIT });
  const scripted = redis as unknown as Record<
    typeof COMMAND,
    (...args: Array<string | number>) => Promise<unknown>
  >;
  return {
    async admit(key: { tenantId: string; channelId: string; plan: Plan }) {
      const { tenant, channel } = limitsOfPlan(limits, key.plan);
      const answer = (await scripted[COMMAND](
        `webhook-rate:{${key.tenantId}}:tenant`,
        `webhook-rate:{${key.tenantId}}:channel:${key.channelId}`,
        1000 / tenant.perSecond,
        tenant.burst,
        1000 / channel.perSecond,
        channel.burst,
      )) as [number, number];
      const [scope, waitMs] = answer;
      if (scope === 0) return { admitted: true as const };
      return {
        admitted: false as const,
        scope: scope === 1 ? ("tenant" as const) : ("channel" as const),
        retryAfterMs: Math.max(waitMs, 1),
      };
    },
  };
}
