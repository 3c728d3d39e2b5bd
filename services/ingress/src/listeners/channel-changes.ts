import type { Bus, Listener } from "@atendo/bus";
import {
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
} from "@atendo/proto/tenant/v1";
import type { Logger } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";

export interface ChannelCacheListenerDeps {
  bus: Pick<Bus, "listen">;
  channels: Pick<ChannelDirectory, "forget" | "forgetTenant">;
  logger: Logger;
}

/**
 * Every replica hears the channel and tenant changes (an ordered listener per process, not the
 * shared durable), so a changed app secret, a disabled channel or a suspended tenant stops being
 * served from any replica's memory as soon as the event is out, not up to its memory TTL later.
 * Each replica also drops the Redis entry: none reads it back before the durable consumer got to it.
 * Call it before the server listens.
 */
export function listenToChannelChanges(deps: ChannelCacheListenerDeps): Promise<Listener> {
  const { bus, channels, logger } = deps;
  return bus.listen({
    schema: [
      ChannelUpdatedSchema,
      ChannelStatusChangedSchema,
      TenantSuspendedSchema,
      TenantReactivatedSchema,
    ],
    logger,
    handler: async (event, ctx) => {
      switch (event.$typeName) {
        case "atendo.tenant.v1.ChannelUpdated":
          if (event.channel !== undefined) await channels.forget(event.channel.id);
          return;
        case "atendo.tenant.v1.ChannelStatusChanged":
          await channels.forget(event.channelId);
          return;
        case "atendo.tenant.v1.TenantSuspended":
        case "atendo.tenant.v1.TenantReactivated":
          await channels.forgetTenant(event.tenantId || ctx.meta.tenantId);
          return;
      }
    },
  });
}
