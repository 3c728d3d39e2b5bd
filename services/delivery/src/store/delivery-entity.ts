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
    /** The contact the message goes to (OutboundCreated.contact_id); null for older deliveries. */
    contactId: p.uuid().nullable(),
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
    /**
     * The release that moved this delivery out of HELD (or took it over): a TenantReactivated event's
     * id, or `reconcile:<id>` for a reconciler pass.
     */
    resumedByEventId: p.text().nullable(),
    /** Until when that release drives it alone; null once the release is done with it. */
    releaseExpiresAt: p.datetime().nullable(),
    /** attemptCount when it left HELD (attempts since then count toward the limit). */
    releasedAtAttempt: p.integer().nullable(),
    /** The OutboundCreated event as received (protobuf binary), for resends. */
    request: p.uint8array().lazy(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Delivery = InferEntity<typeof DeliveryEntity>;
