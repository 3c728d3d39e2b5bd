import type { Bus, BusLogger, ListenContext, Listener } from "@atendo/bus";
import { isUuid } from "@atendo/db";
import {
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
} from "@atendo/proto/tenant/v1";
import type { MessageShape } from "@bufbuild/protobuf";
import type { ChannelDirectory } from "../clients/tenant-channels.js";

const SCHEMAS = [
  ChannelUpdatedSchema,
  ChannelStatusChangedSchema,
  TenantSuspendedSchema,
  TenantReactivatedSchema,
] as const;

type ChannelChange = MessageShape<(typeof SCHEMAS)[number]>;

export interface ChannelChangesDeps {
  bus: Pick<Bus, "listen">;
  channels: Pick<ChannelDirectory, "invalidate" | "invalidateTenant">;
  logger?: BusLogger;
}

function tenantOf(event: { tenantId: string }, ctx: ListenContext): string {
  const tenantId = event.tenantId || ctx.meta.tenantId;
  if (!isUuid(tenantId)) throw new Error("the event's tenant_id is not a UUID");
  return tenantId;
}

/**
 * Forgets this process's resolved channels as soon as the tenant service changes them (a channel
 * updated, disabled or reconnected; its tenant suspended or reactivated), not after their TTL. Each
 * replica caches its own copies, so each must hear every change: a listener, not a shared durable.
 */
export function createChannelChangesHandler(channels: ChannelChangesDeps["channels"]) {
  return function handle(event: ChannelChange, ctx: ListenContext): void {
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
        const tenantId = tenantOf(event, ctx);
        channels.invalidateTenant(tenantId);
        ctx.logger.info({ suspended_tenant_id: tenantId }, "tenant suspended; its channels forgotten");
        return;
      }
      case "atendo.tenant.v1.TenantReactivated": {
        const tenantId = tenantOf(event, ctx);
        channels.invalidateTenant(tenantId);
        ctx.logger.info({ reactivated_tenant_id: tenantId }, "tenant reactivated; its channels forgotten");
        return;
      }
    }
  };
}

/**
 * Starts hearing channel and tenant changes on this process. New events only: the cache starts
 * empty, so nothing published before needs replaying. Start it before anything resolves channels.
 */
export function listenToChannelChanges(deps: ChannelChangesDeps): Promise<Listener> {
  return deps.bus.listen({
    schema: SCHEMAS,
    handler: createChannelChangesHandler(deps.channels),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
}
