import type { Db, EntityManager } from "@atendo/db";
import type { Logger } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import type { HeldWebhookEvents } from "../store/held-webhook-events.js";
import { holdReason } from "./channel-gate.js";
import type { QueuedRowProcessor } from "./queued-row-processor.js";

/** Which held deliveries to look at: a tenant's, or one channel's. */
export interface ReleaseScope {
  tenantId: string;
  channelId?: string;
}

/**
 * Deliveries held while a channel was disabled or its tenant suspended are published once the hold
 * is lifted: first the held rows of every channel that may take deliveries again become `queued`
 * (one transaction), then the queued rows are published and accepted like the sweeper does, with
 * the msgIDs and event ids of a normal accept. Both steps are idempotent.
 */
export interface HeldReleaser {
  /** Step 1 inside the caller's tenant transaction; returns the channels released. */
  requeue(em: EntityManager, scope: ReleaseScope): Promise<string[]>;
  /**
   * Step 2: publishes the scope's queued rows. `onProgress` runs after each row (a consumer tells
   * the bus it is still working). Resolves with the rows accepted and those not (locked elsewhere,
   * or a publish failed: then they wait for the sweeper's next attempt).
   */
  drain(scope: ReleaseScope, onProgress?: () => void): Promise<{ accepted: number; pending: number }>;
  /** Both steps, step 1 in its own transaction. */
  release(scope: ReleaseScope): Promise<{ accepted: number; pending: number }>;
}

export interface HeldReleaserDeps {
  db: Db;
  held: HeldWebhookEvents;
  channels: ChannelDirectory;
  processor: QueuedRowProcessor;
  logger: Logger;
  /** Rows listed per query while draining. Default 100. */
  batchSize?: number;
}

export function createHeldReleaser(deps: HeldReleaserDeps): HeldReleaser {
  const { db, held, channels, processor, logger } = deps;
  const batchSize = deps.batchSize ?? 100;

  async function requeue(em: EntityManager, scope: ReleaseScope): Promise<string[]> {
    const released: string[] = [];
    for (const channelId of await held.heldChannels(em, scope.channelId)) {
      // Past memory: the decision must rest on what the tenant service says now.
      const channel = await channels.resolve(channelId, { fresh: true });
      if (channel === undefined || channel.tenantId !== scope.tenantId) continue;
      const reason = holdReason(channel);
      if (reason !== undefined) continue; // still held (the channel is disabled, or the tenant suspended)
      const count = await held.requeue(em, channelId);
      logger.info({ tenant_id: scope.tenantId, channel_id: channelId, count }, "held webhooks released");
      released.push(channelId);
    }
    return released;
  }

  async function drain(scope: ReleaseScope, onProgress?: () => void) {
    let accepted = 0;
    let pending = 0;
    let afterId: string | undefined;
    for (;;) {
      const ids = await db.withTenant(scope.tenantId, (em) =>
        held.queuedIds(
          em,
          {
            ...(scope.channelId === undefined ? {} : { channelId: scope.channelId }),
            ...(afterId === undefined ? {} : { afterId }),
          },
          batchSize,
        ),
      );
      for (const id of ids) {
        try {
          if ((await processor.process(id, scope.tenantId)) === "accepted") accepted++;
          else pending++;
        } catch (err) {
          pending++;
          logger.warn({ err, correlation_id: id }, "publishing a released webhook failed");
        }
        onProgress?.();
      }
      afterId = ids.at(-1);
      if (ids.length < batchSize) return { accepted, pending };
    }
  }

  return {
    requeue,
    drain,
    async release(scope) {
      const released = await db.withTenant(scope.tenantId, (em) => requeue(em, scope));
      if (released.length === 0) return { accepted: 0, pending: 0 };
      return drain(scope);
    },
  };
}
