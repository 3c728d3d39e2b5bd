import type { Db } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { clip } from "../domain/json-read.js";
import { splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { QueuedWebhookEvents } from "../store/queued-webhook-events.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";

/**
 * Publishes one delivery left `queued` and accepts it: the row is locked (SKIP LOCKED, so replicas
 * and the sweeper share the work), split again from its raw body and published with the same msgIDs
 * and event ids as when it arrived, then marked accepted in the same transaction.
 */
export interface QueuedRowProcessor {
  /** True when the row was accepted; false when it was not queued, is locked, or a publish failed. */
  process(id: string, tenantId: string): Promise<boolean>;
}

export interface QueuedRowProcessorDeps {
  db: Db;
  queued: QueuedWebhookEvents;
  channels: ChannelDirectory;
  publisher: DeliveryPublisher;
  logger: Logger;
  maxInboundAgeMs: number;
}

export function createQueuedRowProcessor(deps: QueuedRowProcessorDeps): QueuedRowProcessor {
  const { db, queued, channels, publisher, logger } = deps;
  return {
    process(id, tenantId) {
      const log = withContext(logger, { tenantId, correlationId: id });
      return db.withTenant(tenantId, async (em) => {
        const row = await queued.claim(em, id);
        if (row === undefined) return false; // done meanwhile, or another replica holds it
        if (row.channel_type !== "whatsapp") return false;
        const channel = await channels.resolve(row.channel_id);
        if (channel?.type !== ChannelType.WHATSAPP || channel.whatsapp === undefined) {
          // Nothing to check the body against any more; the row keeps it for inspection.
          await queued.markAccepted(em, id, {
            messageCount: 0,
            statusCount: 0,
            reason: "channel no longer exists; nothing published",
          });
          return true;
        }
        const parts = splitWhatsAppDelivery(row.body, {
          webhookEventId: row.id,
          tenantId: row.tenant_id,
          workspaceId: row.workspace_id,
          channelId: row.channel_id,
          phoneNumberId: channel.whatsapp.phoneNumberId,
          receivedAt: row.received_at,
          maxInboundAgeMs: deps.maxInboundAgeMs,
        });
        if (!(await publisher.publish(parts, log))) return false;
        await queued.markAccepted(em, id, {
          messageCount: parts.messages.length,
          statusCount: parts.statuses.length,
          reason: clip(parts.notes.join("; "), 1000),
        });
        log.info({ events: parts.messages.length + parts.statuses.length }, "queued webhook published");
        return true;
      });
    },
  };
}
