import type { Principal } from "./principal.js";

/**
 * The tenants this process knows to be suspended (filled by `watchAccessChanges`). The auth
 * interceptor refuses their credentials: API keys, visitor tokens and user tokens, except those of
 * platform admins (who may still act on a suspended tenant, as at login).
 */
export interface SuspendedTenants {
  suspend(tenantId: string): void;
  reactivate(tenantId: string): void;
  has(tenantId: string): boolean;
}

export function createSuspendedTenants(): SuspendedTenants {
  const suspended = new Set<string>();
  return {
    suspend: (tenantId) => void suspended.add(tenantId),
    reactivate: (tenantId) => void suspended.delete(tenantId),
    has: (tenantId) => suspended.has(tenantId),
  };
}

/** Whether the principal belongs to a suspended tenant and must be refused. */
export function refusedBySuspension(principal: Principal, suspended: SuspendedTenants): boolean {
  if (principal.kind === "service") return false;
  if (principal.kind === "user" && principal.platformAdmin) return false;
  return suspended.has(principal.tenantId);
}
