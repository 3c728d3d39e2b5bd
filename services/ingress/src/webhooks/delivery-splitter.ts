import type { SplitDelivery } from "../domain/split-delivery.js";
import { splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { WebhookEventsTable } from "../store/ingress-tables.js";

/** A stored (or being stored) delivery, as much as splitting needs. */
export interface DeliveryRef {
  id: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  body: Uint8Array;
  receivedAt: Date;
}

/** A stored row as a DeliveryRef (its received_at may come back from the ORM's pg setup as text). */
export function deliveryOfRow(
  row: Pick<WebhookEventsTable, "id" | "tenant_id" | "workspace_id" | "channel_id" | "body" | "received_at">,
): DeliveryRef {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    body: row.body,
    receivedAt: new Date(row.received_at),
  };
}

export type SplitOutcome = { ok: true; parts: SplitDelivery } | { ok: false; error: string };

/**
 * Splits a WhatsApp delivery into its events for the receiver, the sweeper and replays alike. The
 * one place a body is mapped: whatever a body does to the mapping code, it comes back as an outcome
 * that marks that delivery's row, never as an exception through the caller's loop.
 */
export interface DeliverySplitter {
  split(delivery: DeliveryRef, phoneNumberId: string): SplitOutcome;
}

export function createDeliverySplitter(options: {
  maxInboundAgeMs: number;
  maxEventBytes: number;
}): DeliverySplitter {
  return {
    split(delivery, phoneNumberId) {
      try {
        const parts = splitWhatsAppDelivery(delivery.body, {
          webhookEventId: delivery.id,
          tenantId: delivery.tenantId,
          workspaceId: delivery.workspaceId,
          channelId: delivery.channelId,
          phoneNumberId,
          receivedAt: delivery.receivedAt,
          maxInboundAgeMs: options.maxInboundAgeMs,
          maxEventBytes: options.maxEventBytes,
        });
        return { ok: true, parts };
      } catch (err) {
        return {
          ok: false,
          error: `the body could not be split: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    },
  };
}
