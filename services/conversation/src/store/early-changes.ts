import { type EntityManager, newId } from "@atendo/db";
import { EarlyChangeEntity, type EarlyChangeRecord } from "./early-change-entity.js";

export interface EarlyChange {
  tenantId: string;
  channelId: string;
  targetExternalId: string;
  changeKey: string;
  /** The encoded event, decoded again when its message arrives. */
  event: Uint8Array;
  occurredAt: Date;
}

/**
 * Serialises everything about one channel message (its storing, its changes) until commit: a change
 * either finds the message or is kept early before the message's transaction looks for it.
 */
export async function lockChannelMessage(
  em: EntityManager,
  channelId: string,
  externalId: string,
): Promise<void> {
  await em.execute(
    "select pg_advisory_xact_lock(hashtextextended(? || ':' || ?, 0))",
    [channelId, externalId],
    "all",
  );
}

/** Keeps a change whose message is not stored yet; the same change twice is one row. */
export async function keepEarlyChange(em: EntityManager, c: EarlyChange): Promise<boolean> {
  const rows = await em.execute<Array<{ id: string }>>(
    `insert into conversation.early_changes
       (id, tenant_id, channel_id, target_external_id, change_key, event, occurred_at)
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (channel_id, target_external_id, change_key) do nothing
     returning id`,
    [newId(), c.tenantId, c.channelId, c.targetExternalId, c.changeKey, Buffer.from(c.event), c.occurredAt],
    "all",
  );
  return rows.length > 0;
}

/** The changes waiting for this message, oldest first, removed in the same transaction. */
export async function takeEarlyChanges(
  em: EntityManager,
  channelId: string,
  targetExternalId: string,
): Promise<EarlyChangeRecord[]> {
  const rows = await em.find(
    EarlyChangeEntity,
    { channelId, targetExternalId },
    { orderBy: { occurredAt: "asc", id: "asc" } },
  );
  if (rows.length > 0) await em.nativeDelete(EarlyChangeEntity, { id: { $in: rows.map((r) => r.id) } });
  return rows;
}
