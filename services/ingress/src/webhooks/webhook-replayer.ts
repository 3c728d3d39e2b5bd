import type { Db } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { clip } from "../domain/json-read.js";
import { splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { IngressTables } from "../store/ingress-tables.js";
import { holdReason } from "./channel-gate.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";

export type ReplayOutcome =
  | { kind: "replayed"; events: number }
  | { kind: "not_found" }
  /** The delivery cannot be replayed now (rejected, still held, channel gone). */
  | { kind: "refused"; reason: string }
  /** Publishing failed: nothing changed, the caller may retry. */
  | { kind: "unavailable" };

/**
 * ReplayWebhookEvent: splits a stored delivery again and publishes its events with the msgIDs and
 * event ids of its first accept, so JetStream and the consumers' inboxes drop what they already
 * have. A queued or held row becomes accepted; an accepted one stays as it is.
 */
export interface WebhookReplayer {
  replay(tenantId: string, workspaceId: string, id: string): Promise<ReplayOutcome>;
}

export interface WebhookReplayerDeps {
  db: Db;
  channels: ChannelDirectory;
  publisher: DeliveryPublisher;
  logger: Logger;
  maxInboundAgeMs: number;
}

export function createWebhookReplayer(deps: WebhookReplayerDeps): WebhookReplayer {
  const { db, channels, publisher, logger } = deps;
  return {
    replay(tenantId, workspaceId, id) {
      const log = withContext(logger, { tenantId, correlationId: id });
      return db.withTenant(tenantId, async (em): Promise<ReplayOutcome> => {
        const table = em.getKysely<IngressTables>().withSchema("ingress");
        // Locked (waiting, not skipping): a concurrent replay or sweep finishes first.
        const row = await table
          .selectFrom("webhook_events")
          .selectAll()
          .where("id", "=", id)
          .where("workspace_id", "=", workspaceId)
          .forUpdate()
          .executeTakeFirst();
        if (row === undefined) return { kind: "not_found" };
        if (row.status === "rejected") {
          return { kind: "refused", reason: "a rejected delivery cannot be replayed" };
        }
        const channel = await channels.resolve(row.channel_id, { fresh: true });
        if (channel?.type !== ChannelType.WHATSAPP || channel.whatsapp === undefined) {
          return { kind: "refused", reason: "the delivery's channel no longer exists" };
        }
        const held = holdReason(channel);
        if (row.status === "held" && held !== undefined) {
          return { kind: "refused", reason: `the delivery stays held until that is lifted: ${held}` };
        }
        const parts = splitWhatsAppDelivery(row.body, {
          webhookEventId: row.id,
          tenantId: row.tenant_id,
          workspaceId: row.workspace_id,
          channelId: row.channel_id,
          phoneNumberId: channel.whatsapp.phoneNumberId,
          // Selected as text by the ORM's pg setup.
          receivedAt: new Date(row.received_at),
          maxInboundAgeMs: deps.maxInboundAgeMs,
        });
        if (!(await publisher.publish(parts, log))) return { kind: "unavailable" };
        if (row.status !== "accepted") {
          await table
            .updateTable("webhook_events")
            .set({
              status: "accepted",
              processed_at: new Date(),
              message_count: parts.messages.length,
              status_count: parts.statuses.length,
              reason: clip(parts.notes.join("; "), 1000),
            })
            .where("id", "=", id)
            .execute();
        }
        const events = parts.messages.length + parts.statuses.length;
        log.info({ events, from: row.status }, "webhook replayed");
        return { kind: "replayed", events };
      });
    },
  };
}
