import { splitInstagramDelivery } from "../domain/instagram-delivery.js";
import { eventCount, type SplitDelivery } from "../domain/split-delivery.js";
import type { StoredChannelType } from "../domain/webhook-status.js";
import { splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { WebhookEventsTable } from "../store/ingress-tables.js";

/** A stored (or being stored) delivery, as much as splitting needs. */
export interface DeliveryRef {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  /** Which mapping reads the body. */
  channelType: StoredChannelType;
  body: Uint8Array;
  receivedAt: Date;
}

/** A stored row as a DeliveryRef (its received_at may come back from the ORM's pg setup as text). */
export function deliveryOfRow(
  row: Pick<
    WebhookEventsTable,
    "id" | "tenant_id" | "workspace_id" | "channel_id" | "channel_type" | "body" | "received_at"
  >,
): DeliveryRef {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    channelType: row.channel_type,
    body: row.body,
    receivedAt: new Date(row.received_at),
  };
}

/**
 * The row counts of a split: `status_count` counts statuses, `message_count` every other event
 * (messages, edits and deletions, coexistence syncs).
 */
export function countsOf(split: SplitDelivery): { messageCount: number; statusCount: number } {
  return { messageCount: eventCount(split) - split.statuses.length, statusCount: split.statuses.length };
}

export type SplitOutcome = { ok: true; parts: SplitDelivery } | { ok: false; error: string };

/**
 * Splits a Meta delivery into its events for the receiver, the sweeper and replays alike, by the
 * row's channel type (WhatsApp or Instagram). The one place a body is mapped: whatever a body does
 * to the mapping code, it comes back as an outcome that marks that delivery's row, never as an
 * exception through the caller's loop.
 */
export interface DeliverySplitter {
  /** `accountId`: the channel's business (WhatsApp phone_number_id, Instagram account id). */
  split(delivery: DeliveryRef, accountId: string): SplitOutcome;
}

export function createDeliverySplitter(options: {
  maxInboundAgeMs: number;
  maxEventBytes: number;
}): DeliverySplitter {
  return {
    split(delivery, accountId) {
      const common = {
        webhookEventId: delivery.id,
        tenantId: delivery.tenantId,
        workspaceId: delivery.workspaceId,
        channelId: delivery.channelId,
        receivedAt: delivery.receivedAt,
        maxInboundAgeMs: options.maxInboundAgeMs,
        maxEventBytes: options.maxEventBytes,
      };
      try {
        switch (delivery.channelType) {
          case "whatsapp":
            return {
              ok: true,
              parts: splitWhatsAppDelivery(delivery.body, { ...common, phoneNumberId: accountId }),
            };
          case "instagram":
            return { ok: true, parts: splitInstagramDelivery(delivery.body, { ...common, accountId }) };
          default:
            return { ok: false, error: `${delivery.channelType} deliveries are not webhooks to split` };
        }
      } catch (err) {
        return {
          ok: false,
          error: `the body could not be split: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
  };
}
