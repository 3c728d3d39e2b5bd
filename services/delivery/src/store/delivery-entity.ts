import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { CHANNEL_TYPE_NAMES } from "../domain/channel-type.js";
import { DELIVERY_STATUSES } from "../domain/delivery-status.js";

/** One outbound message on its way out (delivery.deliveries). */
export const DeliveryEntity = defineEntity({
  name: "Delivery",
  tableName: "deliveries",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    messageId: p.uuid(),
    conversationId: p.uuid(),
    channelId: p.uuid(),
    channelType: p.enum(CHANNEL_TYPE_NAMES),
    recipient: p.text(),
    status: p.enum(DELIVERY_STATUSES),
    externalMessageId: p.text().nullable(),
    lastErrorCode: p.integer().nullable(),
    lastErrorTitle: p.text().nullable(),
    lastErrorMessage: p.text().nullable(),
    lastErrorDetails: p.text().nullable(),
    lastErrorRetryable: p.boolean().nullable(),
    attemptCount: p.integer(),
    /** Event whose handler holds the send (status SENDING), and since when. */
    sendingEventId: p.text().nullable(),
    sendingStartedAt: p.datetime().nullable(),
    nextAttemptAt: p.datetime().nullable(),
    /** The TenantReactivated event that moved this delivery out of HELD. */
    resumedByEventId: p.text().nullable(),
    /** The OutboundCreated event as received (protobuf binary), for resends. */
    request: p.uint8array().lazy(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Delivery = InferEntity<typeof DeliveryEntity>;
