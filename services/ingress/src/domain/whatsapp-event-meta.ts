import { type ActorKind, type EventMeta, EventMetaSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { derivedEventId } from "./event-id.js";
import type { DeliveryContext } from "./whatsapp-delivery-context.js";

/**
 * Every event of a delivery shares its correlation id; occurred_at is when ingress received it. The
 * event id depends only on the channel, the dedupe key (the msgID) and the channel's own time of
 * the fact, so every delivery of one fact carries the same event id.
 */
export function eventMeta(ctx: DeliveryContext, key: string, factMs: number, actor: ActorKind): EventMeta {
  return create(EventMetaSchema, {
    eventId: derivedEventId(factMs, ctx.channelId, key),
    tenantId: ctx.tenantId,
    workspaceId: ctx.workspaceId,
    occurredAt: timestampFromDate(ctx.receivedAt),
    correlationId: ctx.webhookEventId,
    // Ingress knows the customer's id on the channel (in the event), not the Atendo contact: the
    // kind only. CONTACT: the customer; BUSINESS_APP: a person of the business in the WhatsApp
    // Business app (coexistence); SYSTEM: Meta's own bookkeeping (history progress).
    actor: { kind: actor },
  });
}

/** The channel's time of a fact in ms, or the arrival time when the channel gave none. */
export function msOf(timestamp: Timestamp | undefined, ctx: DeliveryContext): number {
  return timestamp === undefined ? ctx.receivedAt.getTime() : Number(timestamp.seconds) * 1000;
}

/** WhatsApp timestamps are strings of Unix seconds (docs/meta-wire-format.md, rule 7). */
export function secondsTimestamp(value: string): Timestamp | undefined {
  if (!/^[0-9]{1,11}$/.test(value)) return undefined; // up to year 5138, within UUIDv7 time
  return timestampFromMs(Number(value) * 1000);
}
