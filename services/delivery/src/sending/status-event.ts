import { type Bus, causedBy, type EncodedEvent } from "@atendo/bus";
import type { EventMeta } from "@atendo/proto/common/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { channelTypeOf } from "../domain/channel-type.js";
import type { ChannelErrorInfo } from "../domain/send-outcome.js";
import { statusChangedEvent, statusChangedMsgId } from "../domain/status-changed.js";
import type { Delivery } from "../store/delivery-entity.js";

/** The StatusChanged event of a delivery's current status, caused by `parent`, ready to store and publish. */
export function encodeStatusChanged(
  bus: Pick<Bus, "encode">,
  delivery: Delivery,
  parent: EventMeta,
  attempt: number,
  error?: ChannelErrorInfo,
): EncodedEvent {
  const event = statusChangedEvent({
    meta: causedBy(parent),
    conversationId: delivery.conversationId,
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
