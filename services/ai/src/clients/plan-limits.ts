import type { TenantService } from "@atendo/proto/tenant/v1";
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

interface Entry {
  monthlyAiMessages: number;
  expiresAt: number;
}

export function createPlanLimits(deps: {
  /** Calls as the ai service (its service token): GetTenant admits it. */
  client: Pick<Client<typeof TenantService>, "getTenant">;
  /** How long a tenant's limits are reused when no TenantUpdated says they changed. */
  ttlMs: number;
  /** Tenants kept; the oldest is dropped beyond it. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}): PlanLimits {
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>();
  // Bumped by every forget: an answer asked for before it may predate the change, so it is not kept.
  let forgets = 0;

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
      const asked = forgets;
      const res = await deps.client.getTenant({ tenantId }, options);
      if (res.tenant === undefined) throw new ConnectError(`tenant ${tenantId} not found`, Code.NotFound);
      // An unset PlanLimits message reads as all zeros: no limits, as the contract says.
      const limit = res.tenant.limits?.monthlyAiMessages ?? 0;
      if (deps.ttlMs > 0 && asked === forgets) remember(tenantId, limit);
      return limit;
    },

    forget(tenantId) {
      forgets++;
      cache.delete(tenantId);
    },
  };
}
