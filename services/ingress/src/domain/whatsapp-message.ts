import { ActorKind, ChannelType } from "@atendo/proto/common/v1";
import {
  ClippedFieldSchema,
  type ExternalContact,
  ExternalContactSchema,
  type MessageReceived,
  MessageReceivedSchema,
  type StatusReceived,
} from "@atendo/proto/ingress/v1";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Clip, fitEvent } from "./event-budget.js";
import { type JsonObject, str } from "./json-read.js";
import { mapWhatsAppContent } from "./whatsapp-content.js";
import { mapWhatsAppContext, mapWhatsAppReferral } from "./whatsapp-context.js";
import type { DeliveryContext } from "./whatsapp-delivery-context.js";
import { eventMeta, msOf, secondsTimestamp } from "./whatsapp-event-meta.js";

/** Who a message is about and how it reached us. */
export interface MessageOrigin {
  /** The customer (for what the business sent: the customer it wrote to). */
  contact: ExternalContact;
  /** The business sent it (a coexistence echo, or a history message from the business). */
  isEcho: boolean;
  /** A past message of a coexistence history import: never answered. */
  history: boolean;
  /** History only: `history_context.status`. */
  historyStatus: string;
}

/**
 * One WhatsApp message (of `messages[]`, `message_echoes[]` or a history thread) as a
 * MessageReceived, fitted to the budget. `key` is its msgID, from which its event id derives.
 */
export function whatsAppMessageReceived(
  message: JsonObject,
  id: string,
  key: string,
  origin: MessageOrigin,
  ctx: DeliveryContext,
): MessageReceived {
  const mapped = mapWhatsAppContent(message);
  const context = mapWhatsAppContext(message);
  const referral = mapWhatsAppReferral(message);
  const unserialisable: Clip[] =
    mapped.unsupported && mapped.rawJson === undefined
      ? [
          { path: "raw", originalBytes: 0 },
          { path: "message.unsupported.raw_json", originalBytes: 0 },
        ]
      : [];
  return messageEvent(message, id, key, origin, ctx, unserialisable, {
    message: {
      content: mapped.content,
      ...(context === undefined ? {} : { context }),
      ...(referral === undefined ? {} : { referral }),
    },
    raw: mapped.unsupported ? (mapped.rawJson ?? "") : "",
  });
}

/** What a message that could not be mapped still says: who sent what type, and when. */
export function unmappedMessageReceived(
  message: JsonObject,
  id: string,
  key: string,
  origin: MessageOrigin,
  ctx: DeliveryContext,
): MessageReceived {
  // The ids only: a name too long to fit may be what made the mapping fail.
  const { externalId, waId, userId } = origin.contact;
  const contact = create(ExternalContactSchema, { externalId, waId, userId });
  const minimal = { ...origin, contact };
  return messageEvent(message, id, key, minimal, ctx, [{ path: "message", originalBytes: 0 }], {
    message: {
      content: { case: "unsupported", value: { originalType: str(message, "type") || "unknown" } },
    },
  });
}

/** The envelope every MessageReceived of a WhatsApp message shares, fitted to the budget. */
function messageEvent(
  message: JsonObject,
  id: string,
  key: string,
  origin: MessageOrigin,
  ctx: DeliveryContext,
  clips: Clip[],
  init: Pick<MessageInitShape<typeof MessageReceivedSchema>, "message" | "raw">,
): MessageReceived {
  const sentAt = secondsTimestamp(str(message, "timestamp"));
  const sentMs = msOf(sentAt, ctx);
  const event = create(MessageReceivedSchema, {
    meta: eventMeta(ctx, key, sentMs, origin.isEcho ? ActorKind.BUSINESS_APP : ActorKind.CONTACT),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.WHATSAPP,
    externalMessageId: id,
    contact: origin.contact,
    sentAt: sentAt ?? timestampFromDate(ctx.receivedAt),
    isEcho: origin.isEcho,
    // History is never answered whatever its age; staleness only matters for live traffic.
    stale: !origin.history && ctx.receivedAt.getTime() - sentMs > ctx.maxInboundAgeMs,
    history: origin.history,
    historyStatus: origin.historyStatus,
    ...init,
  });
  return withClips(event, clips, fitEvent(MessageReceivedSchema, event, ctx.maxEventBytes));
}

export function withClips<T extends MessageReceived | StatusReceived>(event: T, ...clips: Clip[][]): T {
  event.clipped = clips.flat().map((c) => create(ClippedFieldSchema, c));
  return event;
}
