import { type Bus, causedBy, type EncodedEvent } from "@atendo/bus";
import { type Actor, ActorKind, ActorSchema, type EventMeta } from "@atendo/proto/common/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { actorOf } from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { channelTypeOf } from "../domain/channel-type.js";
import type { ChannelErrorInfo } from "../domain/send-outcome.js";
import { statusChangedEvent, statusChangedMsgId } from "../domain/status-changed.js";
import type { Delivery } from "../store/delivery-entity.js";

const DELIVERY_ACTOR = actorOf({ kind: "service", service: "delivery" });

/**
 * Who changed the status: a send attempt is Atendo's doing; a receipt (attempt 0) comes from the
 * contact's side of the channel (their phone got or read the message).
 */
function actorOfChange(delivery: Delivery, attempt: number): Actor {
  if (attempt > 0) return DELIVERY_ACTOR;
  return create(ActorSchema, { kind: ActorKind.CONTACT, id: delivery.contactId ?? "" });
}

/** The StatusChanged event of a delivery's current status, caused by `parent`, ready to store and publish. */
export function encodeStatusChanged(
  bus: Pick<Bus, "encode">,
  delivery: Delivery,
  parent: EventMeta,
  attempt: number,
  error?: ChannelErrorInfo,
): EncodedEvent {
  const event = statusChangedEvent({
    meta: causedBy(parent, actorOfChange(delivery, attempt)),
    conversationId: delivery.conversationId,
    contactId: delivery.contactId ?? "",
    messageId: delivery.messageId,
    channelId: delivery.channelId,
    channelType: channelTypeOf(delivery.channelType),
    externalMessageId: delivery.externalMessageId,
    status: delivery.status,
    error,
    attempt,
  });
  return bus.encode(StatusChangedSchema, event, {
    msgId: statusChangedMsgId(delivery.messageId, delivery.status, attempt),
  });
}
