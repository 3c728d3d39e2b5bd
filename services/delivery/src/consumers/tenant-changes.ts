import { type Bus, type Consumer, type EventContext, PermanentError } from "@atendo/bus";
import { isUuid } from "@atendo/db";
import {
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
} from "@atendo/proto/tenant/v1";
import type { MessageShape } from "@bufbuild/protobuf";
import type { ChannelDirectory } from "../clients/tenant-channels.js";
import type { ResumeOnReactivation } from "../sending/resume-on-reactivation.js";

export const TENANT_CHANGES_DURABLE = "delivery-tenant_changes";

const SCHEMAS = [
  ChannelUpdatedSchema,
  ChannelStatusChangedSchema,
  TenantSuspendedSchema,
  TenantReactivatedSchema,
] as const;

type TenantChange = MessageShape<(typeof SCHEMAS)[number]>;

export interface TenantChangesSettings {
  concurrency: number;
  maxDeliver: number;
  /** A reactivation may send many held messages; it calls working() after each. */
  ackWaitMs: number;
  retry: { initialMs: number; maxMs: number };
}

export interface TenantChangesDeps {
  bus: Bus;
  channels: Pick<ChannelDirectory, "invalidate" | "invalidateTenant">;
  resumeOnReactivation: ResumeOnReactivation;
  settings: TenantChangesSettings;
}

function tenantOf(id: string): string {
  if (!isUuid(id)) throw new PermanentError("the event's tenant_id is not a UUID");
  return id;
}

/**
 * The tenant's events that change how delivery sends: resolved channels are forgotten at once (not
 * after their TTL), and a reactivated tenant's held messages are sent. Forgetting is idempotent, so
 * only the reactivation needs more (see resume-on-reactivation.ts). Should this event never come, the
 * held-message reconciler releases them on its next pass.
 */
export function createTenantChangesHandler(deps: TenantChangesDeps) {
  const { channels, resumeOnReactivation } = deps;
  return async function handle(event: TenantChange, ctx: EventContext): Promise<void> {
    switch (event.$typeName) {
      case "atendo.tenant.v1.ChannelUpdated": {
        const channelId = event.channel?.id ?? "";
        channels.invalidate(channelId);
        ctx.logger.info({ channel_id: channelId }, "channel updated; resolved channel forgotten");
        return;
      }
      case "atendo.tenant.v1.ChannelStatusChanged":
        channels.invalidate(event.channelId);
        ctx.logger.info(
          { channel_id: event.channelId },
          "channel status changed; resolved channel forgotten",
        );
        return;
      case "atendo.tenant.v1.TenantSuspended": {
        const tenantId = tenantOf(event.tenantId || ctx.meta.tenantId);
        channels.invalidateTenant(tenantId);
        ctx.logger.info({ suspended_tenant_id: tenantId }, "tenant suspended; its channels forgotten");
        return;
      }
      case "atendo.tenant.v1.TenantReactivated": {
        const tenantId = tenantOf(event.tenantId || ctx.meta.tenantId);
        channels.invalidateTenant(tenantId);
        ctx.logger.info({ reactivated_tenant_id: tenantId }, "tenant reactivated; its channels forgotten");
        await resumeOnReactivation(tenantId, ctx);
        return;
      }
    }
  };
}

export function startTenantChangesConsumer(deps: TenantChangesDeps): Promise<Consumer> {
  const { settings } = deps;
  return deps.bus.consume({
    durable: TENANT_CHANGES_DURABLE,
    schema: SCHEMAS,
    // A held message is only ever held on a fresh answer of the tenant service, so the order in
    // which changes of one tenant are applied does not matter.
    concurrency: settings.concurrency,
    maxDeliver: settings.maxDeliver,
    ackWaitMs: settings.ackWaitMs,
    backoffMs: { initial: settings.retry.initialMs, max: settings.retry.maxMs },
    handler: createTenantChangesHandler(deps),
  });
}
