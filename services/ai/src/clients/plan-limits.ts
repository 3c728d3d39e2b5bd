import type { TenantService } from "@atendo/proto/tenant/v1";
import { createTtlCache } from "@atendo/service-kit";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";

/** A tenant's plan limits, from the tenant service. */
export interface PlanLimits {
  /**
   * AI replies the tenant's plan allows per UTC month; 0 for no limit. Cached for `ttlMs` or until
   * `forget` (every replica calls it on TenantUpdated).
   */
  monthlyAiMessages(tenantId: string, options?: CallOptions): Promise<number>;
  /** Drops the tenant's cached limits (its plan or limits changed); a lookup in flight is not kept. */
  forget(tenantId: string): void;
}

export function createPlanLimits(deps: {
  /** Calls as the ai service (its service token): GetTenant admits it. */
  client: Pick<Client<typeof TenantService>, "getTenant">;
  /** How long a tenant's limits are reused when no TenantUpdated says they changed. */
  ttlMs: number;
  /** Tenants kept; the least recently used is dropped beyond it. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}): PlanLimits {
  const cache = createTtlCache<number>({
    ttlMs: deps.ttlMs,
    maxEntries: deps.maxEntries,
    now: deps.now,
  });

  return {
    async monthlyAiMessages(tenantId, options) {
      const hit = cache.get(tenantId);
      if (hit !== undefined) return hit;
      // A forget while this is asked may concern it: then the answer is not kept.
      const asked = cache.mark();
      const res = await deps.client.getTenant({ tenantId }, options);
      if (res.tenant === undefined) throw new ConnectError(`tenant ${tenantId} not found`, Code.NotFound);
      // An unset PlanLimits message reads as all zeros: no limits, as the contract says.
      const limit = res.tenant.limits?.monthlyAiMessages ?? 0;
      cache.set(tenantId, limit, { ifUnchangedSince: asked });
      return limit;
    },

    forget(tenantId) {
      cache.delete(tenantId);
    },
  };
}
