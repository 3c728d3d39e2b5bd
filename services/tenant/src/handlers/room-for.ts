import type { EntityManager } from "@atendo/db";
import { effectiveLimits, limitProblem } from "../domain/plan-limits.js";
import { countChannels, countWorkspaces, lockTenant } from "../store/tenant-repository.js";
import { planLimitError, tenantSuspended } from "./tenant-errors.js";

const COUNTS = { workspaces: countWorkspaces, channels: countChannels } as const;

/**
 * Before creating one more workspace or channel, in the creation's transaction: locks the tenant
 * row (concurrent creates queue there, so none slips past the limit), refuses a suspended tenant
 * (TENANT_SUSPENDED) and a full plan (PLAN_LIMIT_REACHED). False when the tenant does not exist.
 */
export async function roomFor(
  em: EntityManager,
  tenantId: string,
  resource: keyof typeof COUNTS,
): Promise<boolean> {
  const tenant = await lockTenant(em, tenantId);
  if (tenant === null) return false;
  if (tenant.status === "SUSPENDED") throw tenantSuspended();
  const limits = effectiveLimits(tenant.plan, tenant.limits);
  const problem = limitProblem(resource, tenant.plan, limits, await COUNTS[resource](em));
  if (problem !== undefined) throw planLimitError(problem);
  return true;
}
