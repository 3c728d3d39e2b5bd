import { splitWhatsAppDelivery } from "../../src/domain/whatsapp-delivery.js";
import { forChannel, type TestChannel } from "./harness.js";
import type { WebhookRow } from "./rows.js";
import { ANA, waBody, waMessage } from "./whatsapp-payloads.js";

/** A delivery with one new text message (its own wamid) for the channel's number. */
export function textDelivery(channel: TestChannel, text = "Oi, tudo bem?"): { body: Buffer; wamid: string } {
  const message = waMessage("text", { text: { body: text } });
  return {
    body: forChannel(channel, waBody({ contacts: [ANA], messages: [message] })),
    wamid: String(message.id),
  };
}

/** What a normal accept of the row publishes: each message's msgID and event id. */
export function expectedMessages(
  channel: TestChannel,
  row: WebhookRow,
): Array<{ wamid: string; msgId: string; eventId: string }> {
  const split = splitWhatsAppDelivery(row.body, {
    webhookEventId: row.id,
    tenantId: row.tenant_id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    phoneNumberId: channel.phoneNumberId,
    receivedAt: row.received_at,
    maxInboundAgeMs: 24 * 3600_000,
    maxEventBytes: 512 * 1024,
  });
  return split.messages.map((m) => ({
    wamid: m.event.externalMessageId,
    msgId: m.msgId,
    eventId: m.event.meta?.eventId ?? "",
  }));
}
