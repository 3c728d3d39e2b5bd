import {
  ActorKind,
  ChannelType,
  type EventMeta,
  EventMetaSchema,
  type MessageStatus,
} from "@atendo/proto/common/v1";
import {
  ClippedFieldSchema,
  type MessageReceived,
  MessageReceivedSchema,
  type StatusReceived,
  StatusReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Clip, fitEvent } from "./event-budget.js";
import { derivedEventId } from "./event-id.js";
import { arr, asObject, type JsonObject, obj, str } from "./json-read.js";
import { emptySplit, type SplitDelivery } from "./split-delivery.js";
import { mapWhatsAppContact } from "./whatsapp-contact.js";
import { mapWhatsAppContent } from "./whatsapp-content.js";
import { mapWhatsAppContext, mapWhatsAppReferral } from "./whatsapp-context.js";
import { mapWhatsAppErrors, mapWhatsAppPricing, mapWhatsAppStatus } from "./whatsapp-status.js";

/** What is known about a delivery before its body is read. */
export interface DeliveryContext {
  webhookEventId: string;
  tenantId: string;
  workspaceId: string;
  channelId: string;
  /** The channel's business number: changes for another number are skipped. */
  phoneNumberId: string;
  receivedAt: Date;
  /** Messages sent longer ago than this are marked stale (docs/channels.md, rule 9). */
  maxInboundAgeMs: number;
  /** The largest encoded event: what is longer is cut to fit (and says so in `clipped`). */
  maxEventBytes: number;
}

const MAX_NOTES = 20;

/**
 * Splits a WhatsApp webhook body into one MessageReceived per message and one StatusReceived per
 * status (docs/channels.md, rule 4). Never throws on content: what cannot be used is explained in
 * `notes`, and every event fits `maxEventBytes` and the contract's length limits (cut fields are
 * listed in `clipped`).
 */
export function splitWhatsAppDelivery(body: Uint8Array, ctx: DeliveryContext): SplitDelivery {
  const out: SplitDelivery = emptySplit();
  const note = (text: string): void => {
    if (out.notes.length < MAX_NOTES) out.notes.push(text);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    note("body is not valid JSON");
    return out;
  }
  const root = asObject(parsed);
  if (root === undefined || str(root, "object") !== "whatsapp_business_account") {
    note("not a WhatsApp Business Account webhook");
    return out;
  }
  const entries = arr(root, "entry");
  if (entries.length === 0) note("no entry");
  for (const e of entries) {
    for (const c of arr(asObject(e), "changes")) {
      const change = asObject(c);
      const field = str(change, "field");
      if (field !== "messages") {
        note(`ignored field "${field}"`);
        continue;
      }
      const value = obj(change, "value");
      const phoneNumberId = str(obj(value, "metadata"), "phone_number_id");
      if (phoneNumberId !== ctx.phoneNumberId) {
        note(`skipped a change for phone_number_id "${phoneNumberId}" (not this channel's number)`);
        continue;
      }
      splitChange(value, ctx, out, note);
    }
  }
  return out;
}

function splitChange(
  value: JsonObject | undefined,
  ctx: DeliveryContext,
  out: SplitDelivery,
  note: (text: string) => void,
): void {
  const contacts = arr(value, "contacts");
  for (const m of arr(value, "messages")) {
    const message = asObject(m);
    const id = str(message, "id");
    if (message === undefined || id === "") {
      note("skipped a message without id");
      continue;
    }
    try {
      out.messages.push({ msgId: id, event: messageReceived(message, id, contacts, ctx) });
    } catch (err) {
      // A mapping bug must not cost the customer's message: it travels as unsupported, without
      // its JSON (the stored body has it), and the row says why.
      note(`message ${id} could not be mapped (${errorText(err)}); published as unsupported`);
      out.messages.push({ msgId: id, event: unmappedMessage(message, id, ctx) });
    }
  }
  for (const s of arr(value, "statuses")) {
    const status = asObject(s);
    const id = str(status, "id");
    const name = str(status, "status");
    const mapped = mapWhatsAppStatus(name);
    if (status === undefined || id === "") {
      note("skipped a status without id");
      continue;
    }
    if (mapped === undefined) {
      note(`skipped status "${name}" of ${id}`);
      continue;
    }
    const msgId = `${id}:${name}`;
    try {
      out.statuses.push({ msgId, event: statusReceived(status, id, mapped, msgId, ctx) });
    } catch (err) {
      note(`skipped status "${name}" of ${id}: it could not be mapped (${errorText(err)})`);
    }
  }
}

function messageReceived(
  message: JsonObject,
  id: string,
  contacts: readonly unknown[],
  ctx: DeliveryContext,
): MessageReceived {
  const mapped = mapWhatsAppContent(message);
  const context = mapWhatsAppContext(message);
  const referral = mapWhatsAppReferral(message);
  const unserialisable: Clip[] =
    mapped.unsupported && mapped.rawJson === undefined
      ? [
          { path: "raw", originalBytes: 0 },
          { path: "message.unsupported.raw_json", originalBytes: 0 },
        ]
      : [];
  return messageEvent(message, id, ctx, unserialisable, {
    contact: mapWhatsAppContact(message, contacts),
    message: {
      content: mapped.content,
      ...(context === undefined ? {} : { context }),
      ...(referral === undefined ? {} : { referral }),
    },
    raw: mapped.unsupported ? (mapped.rawJson ?? "") : "",
  });
}

/** What a message that could not be mapped still says: who sent what type, and when. */
function unmappedMessage(message: JsonObject, id: string, ctx: DeliveryContext): MessageReceived {
  const from = str(message, "from");
  return messageEvent(message, id, ctx, [{ path: "message", originalBytes: 0 }], {
    contact: { externalId: from, waId: from },
    message: {
      content: { case: "unsupported", value: { originalType: str(message, "type") || "unknown" } },
    },
  });
}

/** The envelope every MessageReceived of a WhatsApp message shares, fitted to the budget. */
function messageEvent(
  message: JsonObject,
  id: string,
  ctx: DeliveryContext,
  clips: Clip[],
  init: Pick<MessageInitShape<typeof MessageReceivedSchema>, "contact" | "message" | "raw">,
): MessageReceived {
  const sentAt = secondsTimestamp(str(message, "timestamp"));
  const sentMs = msOf(sentAt, ctx);
  const event = create(MessageReceivedSchema, {
    meta: eventMeta(ctx, id, sentMs),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.WHATSAPP,
    externalMessageId: id,
    sentAt: sentAt ?? timestampFromDate(ctx.receivedAt),
    isEcho: false,
    stale: ctx.receivedAt.getTime() - sentMs > ctx.maxInboundAgeMs,
    ...init,
  });
  return withClips(event, clips, fitEvent(MessageReceivedSchema, event, ctx.maxEventBytes));
}

function withClips<T extends MessageReceived | StatusReceived>(event: T, ...clips: Clip[][]): T {
  event.clipped = clips.flat().map((c) => create(ClippedFieldSchema, c));
  return event;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function statusReceived(
  status: JsonObject,
  id: string,
  mapped: MessageStatus,
  msgId: string,
  ctx: DeliveryContext,
): StatusReceived {
  const pricing = mapWhatsAppPricing(status);
  const occurredAt = secondsTimestamp(str(status, "timestamp"));
  const event = create(StatusReceivedSchema, {
    meta: eventMeta(ctx, msgId, msOf(occurredAt, ctx)),
    webhookEventId: ctx.webhookEventId,
    channelId: ctx.channelId,
    channelType: ChannelType.WHATSAPP,
    externalMessageId: id,
    status: mapped,
    occurredAt: occurredAt ?? timestampFromDate(ctx.receivedAt),
    recipientId: str(status, "recipient_id"),
    errors: mapWhatsAppErrors(status),
    pricingCategory: pricing.category,
    billable: pricing.billable,
  });
  return withClips(event, fitEvent(StatusReceivedSchema, event, ctx.maxEventBytes));
}

/**
 * Every event of a delivery shares its correlation id; occurred_at is when ingress received it. The
 * event id depends only on the channel, the dedupe key and the channel's own time of the fact.
 */
function eventMeta(ctx: DeliveryContext, key: string, factMs: number): EventMeta {
  return create(EventMetaSchema, {
    eventId: derivedEventId(factMs, ctx.channelId, key),
    tenantId: ctx.tenantId,
    workspaceId: ctx.workspaceId,
    occurredAt: timestampFromDate(ctx.receivedAt),
    correlationId: ctx.webhookEventId,
    // The customer wrote, or their phone reported a status. Conversation knows which contact that
    // is; ingress only knows their id on the channel (in the event).
    actor: { kind: ActorKind.CONTACT },
  });
}

/** The channel's time of a fact in ms, or the arrival time when the channel gave none. */
function msOf(timestamp: Timestamp | undefined, ctx: DeliveryContext): number {
  return timestamp === undefined ? ctx.receivedAt.getTime() : Number(timestamp.seconds) * 1000;
}

/** WhatsApp timestamps are strings of Unix seconds (docs/channels.md, rule 7). */
export function secondsTimestamp(value: string): Timestamp | undefined {
  if (!/^[0-9]{1,11}$/.test(value)) return undefined; // up to year 5138, within UUIDv7 time
  return timestampFromMs(Number(value) * 1000);
}
