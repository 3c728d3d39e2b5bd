import type { EntityManager } from "@atendo/db";
import { QueryOrder } from "@mikro-orm/core";
import { type Delivery, DeliveryEntity } from "./delivery-entity.js";

// The deliveries a suspension held back, and their way out once the tenant is active again. A
// release marks the deliveries it takes with its id and a lease (release_expires_at) that its run
// renews; a delivery whose lease passed is taken over by the next run, so no release is stranded.
// Each function runs inside the caller's tenant transaction (RLS keeps it to that tenant).

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export interface ReleaseCounts {
  /** Moved from HELD to PENDING. */
  released: number;
  /** Taken over from a release whose run stopped before finishing them. */
  adopted: number;
}

/**
 * Moves every HELD delivery of the transaction's tenant back to PENDING under `releaseId`, and takes
 * over the deliveries of other releases whose lease has passed. Both get the lease `leaseUntil`.
 */
export async function releaseHeld(
  em: EntityManager,
  input: { releaseId: string; now: Date; leaseUntil: Date },
): Promise<ReleaseCounts> {
  const { releaseId, now, leaseUntil } = input;
  const released = await em.execute<Array<{ id: string }>>(
    `update delivery.deliveries
        set status = 'PENDING', resumed_by_event_id = ?, release_expires_at = ?,
            released_at_attempt = attempt_count, next_attempt_at = null, updated_at = ?
      where status = 'HELD'
      returning id`,
    [releaseId, leaseUntil, now],
    "all",
  );
  const adopted = await em.execute<Array<{ id: string }>>(
    `update delivery.deliveries
        set resumed_by_event_id = ?, release_expires_at = ?, updated_at = ?
      where release_expires_at <= ? and resumed_by_event_id is distinct from ?
      returning id`,
    [releaseId, leaseUntil, now, now, releaseId],
    "all",
  );
  return { released: released.length, adopted: adopted.length };
}

/** Extends the lease of the deliveries `releaseId` still drives (its run is alive). */
export async function renewRelease(em: EntityManager, releaseId: string, leaseUntil: Date): Promise<void> {
  await em.execute(
    `update delivery.deliveries set release_expires_at = ?
      where resumed_by_event_id = ? and release_expires_at is not null`,
    [leaseUntil, releaseId],
    "run",
  );
}

/** The run of `releaseId` is done with these deliveries (settled and announced, or held again). */
export async function finishReleased(em: EntityManager, releaseId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.execute(
    `update delivery.deliveries set release_expires_at = null
      where resumed_by_event_id = ? and id in (${placeholders(ids.length)})`,
    [releaseId, ...ids],
    "run",
  );
}

/**
 * The run of `releaseId` ends with deliveries it did not finish: any run may take them over once they
 * are due (a retry's next attempt, else now). Held ones need no lease: their status finds them.
 */
export async function handOverRelease(em: EntityManager, releaseId: string, now: Date): Promise<void> {
  await em.execute(
    `update delivery.deliveries
        set release_expires_at = case when status = 'HELD' then null
                                      else greatest(coalesce(next_attempt_at, ?), ?) end
      where resumed_by_event_id = ? and release_expires_at is not null`,
    [now, now, releaseId],
    "run",
  );
}

/**
 * Deliveries of `releaseId`, in message order (message ids are UUIDv7, written in conversation order)
 * after `afterMessageId` (keyset pages).
 */
export function listReleased(
  em: EntityManager,
  releaseId: string,
  afterMessageId: string | undefined,
  limit: number,
): Promise<Delivery[]> {
  return em.find(
    DeliveryEntity,
    {
      resumedByEventId: releaseId,
      ...(afterMessageId === undefined ? {} : { messageId: { $gt: afterMessageId } }),
    },
    { orderBy: { messageId: QueryOrder.ASC }, limit },
  );
}

/** Channels of the deliveries a release would take now (held, or left by a stopped release). */
export async function channelsAwaitingRelease(
  em: EntityManager,
  now: Date,
  limit: number,
): Promise<string[]> {
  const rows = await em.execute<Array<{ channel_id: string }>>(
    `select distinct channel_id from delivery.deliveries
      where status = 'HELD' or release_expires_at <= ?
      limit ?`,
    [now, limit],
    "all",
  );
  return rows.map((r) => r.channel_id);
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
