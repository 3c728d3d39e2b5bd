import type { EntityManager } from "@atendo/db";
import { QueryOrder } from "@mikro-orm/core";
import { type Delivery, DeliveryEntity } from "./delivery-entity.js";

// The deliveries a suspension held back, and their way out when the tenant is reactivated. Each
// function runs inside the caller's tenant transaction (RLS keeps it to that tenant).

/**
 * Moves every HELD delivery of the transaction's tenant back to PENDING, marked with the reactivation
 * event that releases it. Returns how many moved.
 */
export async function releaseHeld(em: EntityManager, eventId: string, now: Date): Promise<number> {
  const rows = await em.execute<Array<{ id: string }>>(
    `update delivery.deliveries
        set status = 'PENDING', resumed_by_event_id = ?, next_attempt_at = null, updated_at = ?
      where status = 'HELD'
      returning id`,
    [eventId, now],
    "all",
  );
  return rows.length;
}

/**
 * Deliveries released by `eventId`, in message order (message ids are UUIDv7, written in conversation
 * order) after `afterMessageId` (keyset pages).
 */
export function listReleased(
  em: EntityManager,
  eventId: string,
  afterMessageId: string | undefined,
  limit: number,
): Promise<Delivery[]> {
  return em.find(
    DeliveryEntity,
    {
      resumedByEventId: eventId,
      ...(afterMessageId === undefined ? {} : { messageId: { $gt: afterMessageId } }),
    },
    { orderBy: { messageId: QueryOrder.ASC }, limit },
  );
}

/**
 * Sends claimed between `since` and `before` that have not settled yet: one of them may still be
 * held on a suspension that has just been lifted.
 */
export async function countSendsInFlight(em: EntityManager, since: Date, before: Date): Promise<number> {
  const rows = await em.execute<Array<{ n: number }>>(
    `select count(*)::int as n from delivery.deliveries
      where status = 'SENDING' and sending_started_at >= ? and sending_started_at < ?`,
    [since, before],
    "all",
  );
  return rows[0]?.n ?? 0;
}

/** The OutboundCreated event stored with a delivery (protobuf binary). */
export async function requestOf(em: EntityManager, deliveryId: string): Promise<Uint8Array | undefined> {
  const rows = await em.execute<Array<{ request: Buffer }>>(
    "select request from delivery.deliveries where id = ?",
    [deliveryId],
    "all",
  );
  const request = rows[0]?.request;
  return request === undefined ? undefined : new Uint8Array(request);
}
