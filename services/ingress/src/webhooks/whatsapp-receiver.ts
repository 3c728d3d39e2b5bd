import { newId } from "@atendo/db";
import {
  CORRELATION_HEADER,
  type NodeRequest,
  type NodeResponse,
  readBody,
  sendText,
} from "@atendo/service-kit";
import { type Logger, withContext } from "@atendo/telemetry";
import type { ChannelDirectory } from "../clients/channel-directory.js";
import { clip } from "../domain/json-read.js";
import { verifyMetaSignature } from "../domain/meta-signature.js";
import { type SplitDelivery, splitWhatsAppDelivery } from "../domain/whatsapp-delivery.js";
import type { NewWebhookEvent, WebhookEventWriter } from "../store/webhook-event-writer.js";
import { findWhatsAppChannel, holdReason, type WhatsAppChannel } from "./channel-gate.js";
import type { DeliveryPublisher } from "./delivery-publisher.js";

export interface WhatsAppReceiverDeps {
  channels: ChannelDirectory;
  writer: WebhookEventWriter;
  publisher: DeliveryPublisher;
  logger: Logger;
  /** Larger bodies are refused with 413 (Meta's limit is 3 MB). */
  maxBodyBytes: number;
  /** Messages older than this are marked stale. */
  maxInboundAgeMs: number;
  now?: () => Date;
}

/** POST `/webhooks/whatsapp/{channelId}`: one delivery, stored then published. */
export interface WhatsAppReceiver {
  receive(req: NodeRequest, res: NodeResponse, channelId: string): Promise<void>;
}

const MAX_REASON_LENGTH = 1000;

export function createWhatsAppReceiver(deps: WhatsAppReceiverDeps): WhatsAppReceiver {
  const { channels, writer, publisher, logger } = deps;
  const now = deps.now ?? (() => new Date());

  function split(channel: WhatsAppChannel, id: string, body: Buffer, receivedAt: Date): SplitDelivery {
    try {
      return splitWhatsAppDelivery(body, {
        webhookEventId: id,
        tenantId: channel.tenantId,
        workspaceId: channel.workspaceId,
        channelId: channel.channelId,
        phoneNumberId: channel.whatsapp.phoneNumberId,
        receivedAt,
        maxInboundAgeMs: deps.maxInboundAgeMs,
      });
    } catch (err) {
      // A mapping bug must not lose the delivery: it is stored and can be replayed once fixed.
      logger.error({ err, correlationId: id }, "splitting a webhook failed");
      return { messages: [], statuses: [], notes: ["the body could not be processed"] };
    }
  }

  return {
    async receive(req, res, channelId) {
      const channel = await findWhatsAppChannel(channels, channelId, res, logger);
      if (channel === undefined) return;
      // Over the limit this throws PayloadTooLargeError: the server answers 413 and closes.
      const body = await readBody(req, deps.maxBodyBytes);
      const id = newId();
      const receivedAt = now();
      res.setHeader(CORRELATION_HEADER, id);
      const log = withContext(logger, { tenantId: channel.tenantId, correlationId: id });
      const row = (
        fields: Pick<NewWebhookEvent, "status" | "reason" | "message_count" | "status_count">,
      ) => ({
        id,
        tenant_id: channel.tenantId,
        workspace_id: channel.workspaceId,
        channel_id: channel.channelId,
        channel_type: "whatsapp" as const,
        body,
        body_size: body.length,
        received_at: receivedAt,
        processed_at: fields.status === "queued" ? null : receivedAt,
        ...fields,
      });

      const header = req.headers["x-hub-signature-256"];
      const signature = verifyMetaSignature(
        channel.whatsapp.appSecret,
        body,
        Array.isArray(header) ? header[0] : header,
      );
      if (!signature.ok) {
        // Kept for forensics, marked rejected; nothing is published.
        await writer.insert(
          row({ status: "rejected", reason: signature.reason, message_count: 0, status_count: 0 }),
        );
        log.warn({ channelId, reason: signature.reason }, "webhook rejected");
        sendText(res, 401, signature.reason);
        return;
      }

      const parts = split(channel, id, body, receivedAt);
      const counts = { message_count: parts.messages.length, status_count: parts.statuses.length };
      const notes = clip(parts.notes.join("; "), MAX_REASON_LENGTH);
      const held = holdReason(channel);
      if (held !== undefined) {
        await writer.insert(row({ status: "held", reason: held, ...counts }));
        log.info({ channelId, reason: held }, "webhook held");
        sendText(res, 200, "ok");
        return;
      }
      if (counts.message_count + counts.status_count === 0) {
        // Stored and answered 200 even when unusable (rule 3): Meta would retry anything else.
        await writer.insert(row({ status: "accepted", reason: notes, ...counts }));
        log.debug({ channelId, reason: notes }, "webhook stored without events");
        sendText(res, 200, "ok");
        return;
      }

      // The row is the outbox: once it is committed the delivery cannot be lost.
      await writer.insert(row({ status: "queued", reason: notes, ...counts }));
      const published = await publisher.publish(parts, log);
      // Stored and in JetStream: Meta can have its 200 now. Marking the row is bookkeeping off the
      // request path; if it is lost the sweeper republishes (deduplicated) and marks it.
      sendText(res, 200, "ok");
      log.debug({ channelId, ...counts, published }, "webhook accepted");
      if (published) {
        writer.markAccepted(channel.tenantId, id).catch((err: unknown) => {
          log.warn({ err }, "marking a webhook accepted failed");
        });
      }
    },
  };
}
