import { createSuspendedTenants, type SuspendedTenants } from "@atendo/service-kit";

/**
 * The suspended tenants of this process's auth interceptor. The access watch feeds it from the
 * tenant events, as in every service. A status this process committed itself applies at once and
 * wins over older events still on their way (a TenantSuspended relayed after a quick reactivation
 * would otherwise refuse the tenant again for a moment), until the watch hears that status or
 * `holdMs` passes (its event may never come back, e.g. an outbox row that failed for good).
 */
export interface LocalSuspensions extends SuspendedTenants {
  /** This process committed the tenant's new status. */
  committed(tenantId: string, suspended: boolean): void;
}

const DEFAULT_HOLD_MS = 10 * 60_000;

export function createLocalSuspensions(
  options: { holdMs?: number; now?: () => number } = {},
): LocalSuspensions {
  const heard = createSuspendedTenants();
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  const now = options.now ?? Date.now;
  const own = new Map<string, { suspended: boolean; until: number }>();
  const hear = (tenantId: string, suspended: boolean): void => {
    if (own.get(tenantId)?.suspended === suspended) own.delete(tenantId);
  };
  return {
    suspend(tenantId) {
      heard.suspend(tenantId);
      hear(tenantId, true);
    },
    reactivate(tenantId) {
      heard.reactivate(tenantId);
      hear(tenantId, false);
    },
    has(tenantId) {
      const mine = own.get(tenantId);
      if (mine !== undefined && now() < mine.until) return mine.suspended;
      own.delete(tenantId);
      return heard.has(tenantId);
    },
    committed(tenantId, suspended) {
      own.set(tenantId, { suspended, until: now() + holdMs });
    },
  };
}
