import { ActorKind, ChannelType, MessageSchema } from "@atendo/proto/common/v1";
import {
  type ExternalContact,
  MessageChangeKind,
  type MessageChangeReceived,
  MessageChangeReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { fitEvent } from "./event-budget.js";
import { type JsonObject, obj, str } from "./json-read.js";
import type { Outgoing } from "./split-delivery.js";
import { mapWhatsAppContent } from "./whatsapp-content.js";
import { mapWhatsAppContext } from "./whatsapp-context.js";
import type { DeliveryContext } from "./whatsapp-delivery-context.js";
import { eventMeta, msOf, secondsTimestamp } from "./whatsapp-event-meta.js";

/** The message types that change an earlier message instead of being one. */
export const CHANGE_TYPES: ReadonlySet<string> = new Set(["edit", "revoke"]);

export type ChangeOutcome =
  | { ok: true; change: Outgoing<MessageChangeReceived> }
  | { ok: false; problem: string };

/**
 * A WhatsApp `type: edit` (`edit: {original_message_id, message}`, the new message mapped like an
 * inbound one) or `type: revoke` (`revoke: {original_message_id}`) as a MessageChangeReceived.
 * msgID: `<original>:edit:<id of the edit>` (each edit is its own fact) or `<original>:deleted`.
 */
export function whatsAppMessageChange(
  message: JsonObject,
  id: string,
  contact: ExternalContact,
  isEcho: boolean,
  ctx: DeliveryContext,
): ChangeOutcome {
  const type = str(message, "type");
  const detail = obj(message, type);
  const target = str(detail, "original_message_id");
  if (target === "") return { ok: false, problem: `${type} without original_message_id` };
  const edited = type === "edit" ? obj(detail, "message") : undefined;
  if (type === "edit" && edited === undefined) return { ok: false, problem: "edit without message" };
  const msgId = edited === undefined ? `${target}:deleted` : `${target}:edit:${id}`;
  const occurredAt = secondsTimestamp(str(message, "timestamp"));
  const event = create(MessageChangeReceivedSchema, {
    meta: eventMeta(ctx, msgId, msOf(occurredAt, ctx), isEcho ? ActorKind.BUSINESS_APP : ActorKind.CONTACT),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.WHATSAPP,
    targetExternalMessageId: target,
    kind: edited === undefined ? MessageChangeKind.DELETED : MessageChangeKind.EDITED,
    contact,
    isEcho,
    occurredAt: occurredAt ?? timestampFromDate(ctx.receivedAt),
    externalChangeId: id,
  });
  if (edited !== undefined) {
    const context = mapWhatsAppContext(edited);
    event.message = create(MessageSchema, {
      content: mapWhatsAppContent(edited).content,
      ...(context === undefined ? {} : { context }),
    });
  }
  // The event has no `clipped` list: a cut edit is still the edit (the row keeps every byte).
  fitEvent(MessageChangeReceivedSchema, event, ctx.maxEventBytes);
  return { ok: true, change: { msgId, event } };
}
