import { type EntityManager, pgText } from "@atendo/db";
import { LockMode } from "@mikro-orm/core";
import type { ChannelTypeName } from "../domain/channel-type.js";
import { type Delivery, DeliveryEntity } from "./delivery-entity.js";

export interface NewDelivery {
  id: string;
  tenantId: string;
  workspaceId: string;
  messageId: string;
  conversationId: string;
  /** Null when the event named no contact. */
  contactId: string | null;
  channelId: string;
  channelType: ChannelTypeName;
  recipient: string;
  request: Uint8Array;
  now: Date;
}

/** Inserts the delivery of a message unless one exists (the first event for a message wins). */
export async function insertDeliveryIfAbsent(em: EntityManager, row: NewDelivery): Promise<void> {
  await em.execute(
    `insert into delivery.deliveries
       (id, tenant_id, workspace_id, message_id, conversation_id, contact_id, channel_id, channel_type,
        recipient, status, attempt_count, request, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?)
     on conflict (message_id) do nothing`,
    [
      row.id,
      row.tenantId,
      row.workspaceId,
      row.messageId,
      row.conversationId,
      row.contactId,
      row.channelId,
      row.channelType,
      // Sent as it came (it is no phone number then, and fails); stored as Postgres can hold it.
      pgText(row.recipient),
      Buffer.from(row.request),
      row.now,
      row.now,
    ],
    "run",
  );
}

/** The delivery of a message, locked for the rest of the transaction. */
export function lockDeliveryByMessage(em: EntityManager, messageId: string): Promise<Delivery | null> {
  return em.findOne(DeliveryEntity, { messageId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/**
 * The delivery the channel knows as `externalMessageId` (a wamid), locked. Looked up as stored:
 * cleaned like every channel text (a NUL in a parameter fails the statement).
 */
export function lockDeliveryByExternalId(
  em: EntityManager,
  channelId: string,
  externalMessageId: string,
): Promise<Delivery | null> {
  return em.findOne(
    DeliveryEntity,
    { channelId, externalMessageId: pgText(externalMessageId) },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
}

export function findDelivery(
  em: EntityManager,
  workspaceId: string,
  messageId: string,
): Promise<Delivery | null> {
  return em.findOne(DeliveryEntity, { workspaceId, messageId });
}
