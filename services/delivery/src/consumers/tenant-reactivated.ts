import { type Bus, type Consumer, type EventContext, PermanentError } from "@atendo/bus";
import { isUuid } from "@atendo/db";
import { type TenantReactivated, TenantReactivatedSchema } from "@atendo/proto/tenant/v1";
import type { ResumeOnReactivation } from "../sending/resume-on-reactivation.js";

/**
 * The durable's name predates the split from the channel cache's listener (it then took every tenant
 * change): kept, so a deployed consumer goes on where it left off instead of replaying the stream.
 */
export const TENANT_REACTIVATED_DURABLE = "delivery-tenant_changes";

export interface TenantReactivatedSettings {
  concurrency: number;
  maxDeliver: number;
  /** A reactivation may send many held messages; it calls working() after each. */
  ackWaitMs: number;
  retry: { initialMs: number; maxMs: number };
}

export interface TenantReactivatedDeps {
  bus: Bus;
  resumeOnReactivation: ResumeOnReactivation;
  settings: TenantReactivatedSettings;
}

/**
 * A reactivated tenant's held messages are sent, once, by whichever replica the event reaches (see
 * resume-on-reactivation.ts). Should this event never come, the held-message reconciler releases
 * them on its next pass. Forgetting the tenant's cached channels is every replica's job, done by
 * its listener (channel-changes.ts); the sends need not wait for it, since a cached "suspended" is
 * always looked up again.
 */
export function createTenantReactivatedHandler(deps: TenantReactivatedDeps) {
  const { resumeOnReactivation } = deps;
  return async function handle(event: TenantReactivated, ctx: EventContext): Promise<void> {
    const tenantId = event.tenantId || ctx.meta.tenantId;
    if (!isUuid(tenantId)) throw new PermanentError("the event's tenant_id is not a UUID");
    await resumeOnReactivation(tenantId, ctx);
  };
}

export function startTenantReactivatedConsumer(deps: TenantReactivatedDeps): Promise<Consumer> {
  const { settings } = deps;
  return deps.bus.consume({
    durable: TENANT_REACTIVATED_DURABLE,
    schema: TenantReactivatedSchema,
    // A held message is only ever held on a fresh answer of the tenant service, so reactivations of
    // several tenants may run at once.
    concurrency: settings.concurrency,
    maxDeliver: settings.maxDeliver,
    ackWaitMs: settings.ackWaitMs,
    backoffMs: { initial: settings.retry.initialMs, max: settings.retry.maxMs },
    handler: createTenantReactivatedHandler(deps),
  });
}
