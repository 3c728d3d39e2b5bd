import {
  ActorKind,
  ChannelType,
  type EventMeta,
  EventMetaSchema,
  MessageStatus,
} from "@atendo/proto/common/v1";
import {
  ClippedFieldSchema,
  ExternalContactSchema,
  type MessageChangeKind,
  type MessageChangeReceived,
  MessageChangeReceivedSchema,
  type MessageReceived,
  MessageReceivedSchema,
  type StatusReceived,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Clip, fitEvent } from "./event-budget.js";
import { derivedEventId } from "./event-id.js";
import type { Outgoing } from "./split-delivery.js";

/** What is known about an Instagram delivery before its body is read. */
export interface InstagramDeliveryContext {
  webhookEventId: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  /** The channel's Instagram account id: events for another account are not ours. */
  accountId: string;
  receivedAt: Date;
  /** Messages sent longer ago than this are marked stale (docs/meta-wire-format.md, rule 9). */
  maxInboundAgeMs: number;
  /** The largest encoded event: what is longer is cut to fit (and says so in `clipped`). */
  maxEventBytes: number;
}

/** One messaging event as far as every event it makes shares it. */
export interface InstagramFact {
  /** The customer's IGSID: the sender, or for an echo the recipient. */
  contactId: string;
  /** Sent by our account (an echo): a person in the Instagram app, or our own send. */
  isEcho: boolean;
  /** The event's own time (ms); the arrival time when it gave none. */
  timeMs: number;
}

type MessageInit = MessageInitShape<typeof MessageReceivedSchema>["message"];

/** A MessageReceived, fitted to the budget; `msgId` is also its event id's key. */
export function messageReceived(
  ctx: InstagramDeliveryContext,
  fact: InstagramFact,
  init: { externalMessageId: string; msgId: string; message: MessageInit; raw?: string; clips?: Clip[] },
): Outgoing<MessageReceived> {
  const event = create(MessageReceivedSchema, {
    meta: eventMeta(ctx, fact, init.msgId),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.INSTAGRAM,
    externalMessageId: init.externalMessageId,
    contact: create(ExternalContactSchema, { externalId: fact.contactId }),
    message: init.message,
    sentAt: timestampFromMs(fact.timeMs),
    isEcho: fact.isEcho,
    raw: init.raw ?? "",
    stale: ctx.receivedAt.getTime() - fact.timeMs > ctx.maxInboundAgeMs,
  });
  const clips = [...(init.clips ?? []), ...fitEvent(MessageReceivedSchema, event, ctx.maxEventBytes)];
  event.clipped = clips.map((c) => create(ClippedFieldSchema, c));
  return { msgId: init.msgId, event };
}

/** A MessageChangeReceived (edit or unsend of `target`). */
export function changeReceived(
  ctx: InstagramDeliveryContext,
  fact: InstagramFact,
  init: { target: string; kind: MessageChangeKind; msgId: string; text?: string; editNumber?: number },
): Outgoing<MessageChangeReceived> {
  const event = create(MessageChangeReceivedSchema, {
    meta: eventMeta(ctx, fact, init.msgId),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.INSTAGRAM,
    targetExternalMessageId: init.target,
    kind: init.kind,
    ...(init.text === undefined || init.text === ""
      ? {}
      : { message: { content: { case: "text", value: { body: init.text } } } }),
    editNumber: init.editNumber ?? 0,
    contact: create(ExternalContactSchema, { externalId: fact.contactId }),
    isEcho: fact.isEcho,
    occurredAt: timestampFromMs(fact.timeMs),
  });
  // The contract has no `clipped` here: an edit is text only, cut to its max_len like any text.
  fitEvent(MessageChangeReceivedSchema, event, ctx.maxEventBytes);
  return { msgId: init.msgId, event };
}

/** A READ StatusReceived of our message `mid` (Instagram's only receipt). */
export function readReceived(
  ctx: InstagramDeliveryContext,
  fact: InstagramFact,
  mid: string,
): Outgoing<StatusReceived> {
  const msgId = `${mid}:read`;
  const event = create(StatusReceivedSchema, {
    meta: eventMeta(ctx, fact, msgId),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.INSTAGRAM,
    externalMessageId: mid,
    status: MessageStatus.READ,
    occurredAt: timestampFromMs(fact.timeMs),
    recipientId: fact.contactId,
  });
  event.clipped = fitEvent(StatusReceivedSchema, event, ctx.maxEventBytes).map((c) =>
    create(ClippedFieldSchema, c),
  );
  return { msgId, event };
}

/**
 * Instagram times are integers of milliseconds (docs/meta-wire-format.md, rule 7); the dashboard's test
 * sample sends a string of seconds, so a value too small to be ms since 1973 is read as seconds.
 * Undefined for anything else, or a time that does not fit an event id.
 */
export function instagramTimeMs(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^[0-9]{1,16}$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  const ms = n < 1e11 ? n * 1000 : n;
  return ms < 2 ** 48 ? ms : undefined;
}

/**
 * Every event of a delivery shares its correlation id; occurred_at is when ingress received it. The
 * event id depends only on the channel, the dedupe key and the event's own time, so every delivery
 * of the same fact (retries, sweeps, replays) carries the same id.
 */
function eventMeta(ctx: InstagramDeliveryContext, fact: InstagramFact, key: string): EventMeta {
  return create(EventMetaSchema, {
    eventId: derivedEventId(fact.timeMs, ctx.channelId, key),
    tenantId: ctx.tenantId,
    workspaceId: ctx.workspaceId,
    occurredAt: timestampFromDate(ctx.receivedAt),
    correlationId: ctx.webhookEventId,
    // The customer wrote, or for an echo the business (its app or our own send).
    actor: { kind: fact.isEcho ? ActorKind.BUSINESS_APP : ActorKind.CONTACT },
  });
}
