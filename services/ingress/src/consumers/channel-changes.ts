import { type Bus, type Consumer, TransientError } from "@atendo/bus";
import type { Db, Inbox } from "@atendo/db";
import {
  ChannelStatus,
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  TenantReactivatedSchema,
  TenantSuspendedSchema,
} from "@atendo/proto/tenant/v1";
import { isMessage } from "@bufbuild/protobuf";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { HeldReleaser, ReleaseScope } from "../webhooks/held-releaser.js";

export const CHANNEL_CHANGES_DURABLE = "ingress-channel_changes";

export interface ChannelChangesDeps {
  bus: Bus;
  db: Db;
  inbox: Inbox;
  channels: ChannelDirectory;
  releaser: HeldReleaser;
}

/**
 * What the channel and tenant events change once for the whole deployment, on one replica (the
 * shared durable): the Redis entries they concern are dropped, retried until Redis answers (every
 * replica's listener drops them too, but only once and only from memory if Redis fails then), and a
 * reactivated tenant, or a channel no longer disabled, gets its held deliveries published, after the
 * drop so the release never decides on an entry older than the change.
 */
export function startChannelChangesConsumer(deps: ChannelChangesDeps): Promise<Consumer> {
  const { bus, db, inbox, channels, releaser } = deps;
  return bus.consume({
    durable: CHANNEL_CHANGES_DURABLE,
    schema: [
      ChannelUpdatedSchema,
      ChannelStatusChangedSchema,
      TenantSuspendedSchema,
      TenantReactivatedSchema,
    ],
    concurrency: 4,
    maxDeliver: 10,
    handler: async (event, ctx) => {
      const tenantId = ctx.meta.tenantId;
      let release: ReleaseScope | undefined;
      if (isMessage(event, ChannelUpdatedSchema)) {
        if (event.channel !== undefined) await channels.forget(event.channel.id);
      } else if (isMessage(event, ChannelStatusChangedSchema)) {
        await channels.forget(event.channelId);
        // Whatever the new status, the release checks the channel afresh; only DISABLED keeps holding.
        if (event.status !== ChannelStatus.DISABLED) release = { tenantId, channelId: event.channelId };
      } else if (isMessage(event, TenantSuspendedSchema)) {
        await channels.forgetTenant(tenantId);
      } else if (isMessage(event, TenantReactivatedSchema)) {
        await channels.forgetTenant(tenantId);
        release = { tenantId };
      }
      if (release === undefined) return;

      const scope = release;
      await db.withTenant(tenantId, (em) =>
        inbox.handle(
          em,
          { tenantId, consumer: CHANNEL_CHANGES_DURABLE, eventId: ctx.meta.eventId },
          async () => {
            await releaser.requeue(em, scope);
            return [];
          },
        ),
      );
      // The rows are the outbox: also on a redelivery, whatever is still queued gets published.
      const { accepted, pending } = await releaser.drain(scope, () => ctx.working());
      if (accepted > 0) ctx.logger.info({ accepted }, "held webhooks published");
      if (pending > 0) throw new TransientError(`${pending} released webhooks are still queued`);
    },
  });
}
