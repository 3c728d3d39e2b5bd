import type { TenantService } from "@atendo/proto/tenant/v1";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** A tenant's plan limits, from the tenant service. */
export interface PlanLimits {
  /** AI replies the tenant's plan allows per UTC month; 0 for no limit. Cached for a while. */
  monthlyAiMessages(tenantId: string, options?: CallOptions): Promise<number>;
}

interface Entry {
  monthlyAiMessages: number;
  expiresAt: number;
}

export function createPlanLimits(deps: {
  /** Calls as the ai service (its service token): GetTenant admits it. */
  client: Pick<Client<typeof TenantService>, "getTenant">;
  /** How long a tenant's limits are reused; a raised limit applies after at most this long. */
  ttlMs: number;
  /** Tenants kept; the oldest is dropped beyond it. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}): PlanLimits {
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>();

  function remember(tenantId: string, monthlyAiMessages: number): void {
    cache.delete(tenantId);
    if (cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(tenantId, { monthlyAiMessages, expiresAt: now() + deps.ttlMs });
  }

  return {
    async monthlyAiMessages(tenantId, options) {
      const hit = cache.get(tenantId);
      if (hit !== undefined && hit.expiresAt > now()) return hit.monthlyAiMessages;
      const res = await deps.client.getTenant({ tenantId }, options);
      if (res.tenant === undefined) throw new ConnectError(`tenant ${tenantId} not found`, Code.NotFound);
      // An unset PlanLimits message reads as all zeros: no limits, as the contract says.
      const limit = res.tenant.limits?.monthlyAiMessages ?? 0;
      if (deps.ttlMs > 0) remember(tenantId, limit);
      return limit;
    },
  };
}
