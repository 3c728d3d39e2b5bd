import assert from "node:assert/strict";
import {
  ActorKind,
  ChannelType,
  InteractiveReplyKind,
  MediaKind,
  type Message,
  MessageStatus,
} from "@atendo/proto/common/v1";
import type { MessageReceived } from "@atendo/proto/ingress/v1";
import { readFixture } from "@atendo/testing";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type DeliveryContext, splitWhatsAppDelivery } from "../src/domain/whatsapp-delivery.js";
import { TEST_DELIVERY_CONTEXT } from "./support/delivery-context.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

const ctx: DeliveryContext = TEST_DELIVERY_CONTEXT;
const WEBHOOK_ID = ctx.webhookEventId;

function only(body: Buffer): MessageReceived {
  const split = splitWhatsAppDelivery(body, ctx);
  assert.equal(split.messages.length, 1, `expected one message, notes: ${split.notes.join("; ")}`);
  const [m] = split.messages;
  assert.ok(m);
  return m.event;
}

function content(event: MessageReceived): Message["content"] {
  assert.ok(event.message);
  return event.message.content;
}

describe("splitWhatsAppDelivery: the shared fixtures", () => {
  it("two-text-messages: two text events with decoded text, contact and timestamps", () => {
    const split = splitWhatsAppDelivery(readFixture("whatsapp/two-text-messages.json"), ctx);
    assert.deepEqual(split.notes, []);
    assert.equal(split.statuses.length, 0);
    assert.deepEqual(
      split.messages.map((m) => m.msgId),
      [
        "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDFBQUFBQUFBQUFBQUFBQUEA",
        "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDJCQkJCQkJCQkJCQkJCQkIA",
      ],
    );
    const [first, second] = split.messages.map((m) => m.event);
    assert.ok(first && second);
    assert.deepEqual(content(first), {
      case: "text",
      value: {
        $typeName: "atendo.common.v1.TextContent",
        body: "Oi! Vocês abrem no domingo?",
        previewUrl: false,
      },
    });
    const secondContent = content(second);
    assert.equal(
      secondContent.case === "text" && secondContent.value.body,
      "E aceitam reserva pelo WhatsApp?",
    );
    assert.equal(first.externalMessageId, split.messages[0]?.msgId);
    assert.equal(first.channelType, ChannelType.WHATSAPP);
    assert.equal(first.channelId, ctx.channelId);
    assert.equal(first.webhookEventId, WEBHOOK_ID);
    assert.equal(first.contact?.displayName, "Ana Souza");
    assert.equal(first.contact?.waId, "5511987654321");
    assert.equal(first.contact?.externalId, "5511987654321");
    assert.equal(first.contact?.phone, "+5511987654321");
    assert.equal(first.sentAt?.seconds, 1767225600n);
    assert.equal(second.sentAt?.seconds, 1767225603n);
    assert.equal(first.stale, false);
    assert.equal(first.isEcho, false);
    assert.equal(first.raw, "");
    assert.equal(first.meta?.tenantId, ctx.tenantId);
    assert.equal(first.meta?.workspaceId, ctx.workspaceId);
    assert.equal(first.meta?.correlationId, WEBHOOK_ID);
    assert.equal(first.meta?.actor?.kind, ActorKind.CONTACT, "the customer wrote");
    assert.ok(first.meta?.occurredAt);
    assert.equal(timestampDate(first.meta.occurredAt).getTime(), ctx.receivedAt.getTime());
    assert.notEqual(first.meta?.eventId, second.meta?.eventId);
  });

  it("image-with-caption: image media with caption, mime type, sha256 and media id", () => {
    const event = only(readFixture("whatsapp/image-with-caption.json"));
    const c = content(event);
    assert.equal(c.case, "media");
    assert.equal(c.value?.kind, MediaKind.IMAGE);
    assert.equal(c.value.caption, "Quanto custa este modelo?");
    assert.equal(c.value.media?.channelMediaId, "2234567890123456");
    assert.equal(c.value.media?.mimeType, "image/jpeg");
    assert.equal(c.value.media?.sha256, "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=");
    assert.equal(c.value.voice, false);
  });

  it("document: file name and caption", () => {
    const c = content(only(readFixture("whatsapp/document.json")));
    assert.equal(c.case, "media");
    assert.equal(c.value.kind, MediaKind.DOCUMENT);
    assert.equal(c.value.media?.filename, "comprovante.pdf");
    assert.equal(c.value.media?.mimeType, "application/pdf");
    assert.equal(c.value.caption, "Segue o comprovante");
  });

  it("voice-note: audio marked as voice, with its URL and no caption", () => {
    const event = only(readFixture("whatsapp/voice-note.json"));
    const c = content(event);
    assert.equal(c.case, "media");
    assert.equal(c.value.kind, MediaKind.AUDIO);
    assert.equal(c.value.voice, true);
    assert.equal(c.value.caption, "");
    assert.equal(c.value.media?.mimeType, "audio/ogg; codecs=opus");
    assert.match(c.value.media?.url ?? "", /^https:\/\/lookaside\.fbsbx\.com\//);
    assert.equal(event.contact?.displayName, "Sam Lee");
    assert.equal(event.contact?.phone, "+14155550123");
  });

  it("location: coordinates, decoded name and address", () => {
    const c = content(only(readFixture("whatsapp/location.json")));
    assert.equal(c.case, "location");
    assert.equal(c.value.latitude, -23.5505);
    assert.equal(c.value.longitude, -46.6333);
    assert.equal(c.value.name, "Escritório");
    assert.equal(c.value.address, "Av. Paulista, 1000 - São Paulo, SP");
  });

  it("reaction: the target message and the decoded emoji", () => {
    const c = content(only(readFixture("whatsapp/reaction.json")));
    assert.equal(c.case, "reaction");
    assert.equal(
      c.value.targetExternalMessageId,
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA==",
    );
    assert.equal(c.value.emoji, "👍");
  });

  it("statuses-delivered-read: one event per status, msgID (wamid:status), pricing", () => {
    const split = splitWhatsAppDelivery(readFixture("whatsapp/statuses-delivered-read.json"), ctx);
    assert.equal(split.messages.length, 0);
    assert.deepEqual(
      split.statuses.map((s) => s.msgId),
      [
        "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA==:delivered",
        "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQzOTk5OTk5OTk5OTk5OTk5AA==:read",
      ],
    );
    const [delivered, read] = split.statuses.map((s) => s.event);
    assert.equal(delivered?.status, MessageStatus.DELIVERED);
    assert.equal(
      delivered?.externalMessageId,
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA==",
    );
    assert.equal(delivered?.recipientId, "5511987654321");
    assert.equal(delivered?.pricingCategory, "service");
    assert.equal(delivered?.billable, false);
    assert.equal(delivered?.occurredAt?.seconds, 1767225611n);
    assert.equal(delivered?.channelType, ChannelType.WHATSAPP);
    assert.equal(delivered?.meta?.correlationId, WEBHOOK_ID);
    assert.equal(delivered?.meta?.actor?.kind, ActorKind.CONTACT, "the customer's phone reported it");
    assert.equal(read?.status, MessageStatus.READ);
    assert.equal(read?.pricingCategory, "");
    assert.equal(read?.occurredAt?.seconds, 1767225612n);
  });

  it("failed-status-and-button-reply: the failure's error and a button reply quoting our message", () => {
    const split = splitWhatsAppDelivery(readFixture("whatsapp/failed-status-and-button-reply.json"), ctx);
    assert.equal(split.statuses.length, 1);
    const failed = split.statuses[0]?.event;
    assert.equal(failed?.status, MessageStatus.FAILED);
    assert.equal(
      split.statuses[0]?.msgId,
      "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBJGQUlMRUQwMDAwMDAwMDAwMDAA:failed",
    );
    assert.equal(failed?.errors.length, 1);
    assert.equal(failed?.errors[0]?.code, 131047);
    assert.equal(failed?.errors[0]?.title, "Re-engagement message");
    assert.match(failed?.errors[0]?.details ?? "", /more than 24 hours/);
    assert.equal(failed?.errors[0]?.retryable, false);
    assert.equal(split.messages.length, 1);
    const reply = split.messages[0]?.event;
    assert.ok(reply);
    const c = content(reply);
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.BUTTON_REPLY);
    assert.equal(c.value.id, "confirm");
    assert.equal(c.value.title, "Confirm");
    assert.equal(
      reply.message?.context?.quotedExternalMessageId,
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEkJVVFRPTlMwMDAwMDAwMDAwAA==",
    );
  });
});

describe("splitWhatsAppDelivery: types without a fixture", () => {
  const one = (type: string, fields: Record<string, unknown>, contacts: unknown[] = [ANA]) =>
    only(waBody({ contacts, messages: [waMessage(type, fields)] }));

  it("video with caption", () => {
    const c = content(
      one("video", { video: { caption: "olha", mime_type: "video/mp4", sha256: "abc=", id: "77" } }),
    );
    assert.equal(c.case, "media");
    assert.equal(c.value.kind, MediaKind.VIDEO);
    assert.equal(c.value.caption, "olha");
    assert.equal(c.value.media?.channelMediaId, "77");
  });

  it("animated sticker (a caption is never kept on stickers)", () => {
    const c = content(
      one("sticker", {
        sticker: { mime_type: "image/webp", sha256: "s=", id: "88", animated: true, caption: "x" },
      }),
    );
    assert.equal(c.case, "media");
    assert.equal(c.value.kind, MediaKind.STICKER);
    assert.equal(c.value.animated, true);
    assert.equal(c.value.caption, "");
  });

  it("plain audio file is not a voice note", () => {
    const c = content(
      one("audio", { audio: { mime_type: "audio/mpeg", sha256: "a=", id: "99", voice: false } }),
    );
    assert.equal(c.case === "media" && c.value.voice, false);
  });

  it("media without id or url is kept as unsupported", () => {
    const event = one("image", { image: { mime_type: "image/jpeg" } });
    const c = content(event);
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "image");
    assert.notEqual(event.raw, "");
  });

  it("contacts: names, phones with wa_id, emails, company", () => {
    const c = content(
      one("contacts", {
        contacts: [
          {
            name: { formatted_name: "João Lima", first_name: "João" },
            phones: [{ phone: "+55 11 91234-5678", wa_id: "5511912345678", type: "CELL" }],
            emails: [{ email: "joao@example.com", type: "WORK" }],
            org: { company: "Lima & Cia" },
          },
          { name: { formatted_name: "Maria" } },
        ],
      }),
    );
    assert.equal(c.case, "contacts");
    assert.equal(c.value.contacts.length, 2);
    const [joao, maria] = c.value.contacts;
    assert.equal(joao?.formattedName, "João Lima");
    assert.equal(joao?.phones[0]?.phone, "+55 11 91234-5678");
    assert.equal(joao?.phones[0]?.waId, "5511912345678");
    assert.equal(joao?.phones[0]?.type, "CELL");
    assert.equal(joao?.emails[0]?.email, "joao@example.com");
    assert.equal(joao?.organization, "Lima & Cia");
    assert.equal(maria?.formattedName, "Maria");
    assert.equal(maria?.phones.length, 0);
  });

  it("interactive list_reply with description", () => {
    const c = content(
      one("interactive", {
        interactive: {
          type: "list_reply",
          list_reply: { id: "row-2", title: "Sábado", description: "10h às 14h" },
        },
      }),
    );
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.LIST_REPLY);
    assert.equal(c.value.id, "row-2");
    assert.equal(c.value.title, "Sábado");
    assert.equal(c.value.description, "10h às 14h");
  });

  it("interactive nfm_reply keeps the flow's response JSON as payload", () => {
    const responseJson = '{"flow_token":"t1","cpf":"123"}';
    const c = content(
      one("interactive", {
        interactive: {
          type: "nfm_reply",
          nfm_reply: { response_json: responseJson, body: "Sent", name: "flow" },
        },
      }),
    );
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.NFM_REPLY);
    assert.equal(c.value.payload, responseJson);
    assert.equal(c.value.title, "Sent");
    assert.equal(c.value.id, "flow");
  });

  it("an interactive kind Atendo does not model is unsupported", () => {
    const c = content(
      one("interactive", { interactive: { type: "call_permission_reply", call_permission_reply: {} } }),
    );
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "interactive");
  });

  it("template quick-reply button: text as title, payload", () => {
    const c = content(
      one("button", {
        button: { payload: "STOP_PROMOS", text: "Parar promoções" },
        context: { from: "15550001111", id: "wamid.T" },
      }),
    );
    assert.equal(c.case, "interactiveReply");
    assert.equal(c.value.kind, InteractiveReplyKind.BUTTON);
    assert.equal(c.value.payload, "STOP_PROMOS");
    assert.equal(c.value.title, "Parar promoções");
  });

  it("a removed reaction has an empty emoji", () => {
    const c = content(one("reaction", { reaction: { message_id: "wamid.TARGET" } }));
    assert.equal(c.case, "reaction");
    assert.equal(c.value.targetExternalMessageId, "wamid.TARGET");
    assert.equal(c.value.emoji, "");
  });

  it("order is kept as unsupported with its raw JSON", () => {
    const order = {
      catalog_id: "cat1",
      text: "quero",
      product_items: [{ product_retailer_id: "sku1", quantity: 2 }],
    };
    const event = one("order", { order });
    const c = content(event);
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "order");
    assert.equal(c.value.errorCode, 0);
    assert.deepEqual(JSON.parse(c.value.rawJson).order, order);
    assert.equal(event.raw, c.value.rawJson);
  });

  it("system (number changed) comes without contacts and is unsupported", () => {
    const event = one(
      "system",
      {
        system: {
          body: "User A changed from 5511987654321 to 5511900000000",
          wa_id: "5511900000000",
          type: "user_changed_number",
        },
      },
      [],
    );
    const c = content(event);
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "system");
    assert.equal(event.contact?.externalId, ANA.wa_id);
    assert.equal(event.contact?.displayName, "");
  });

  it("unsupported carries WhatsApp's error code 131051", () => {
    const c = content(
      one("unsupported", {
        errors: [
          {
            code: 131051,
            title: "Message type unknown",
            details: "Message type is currently not supported.",
          },
        ],
      }),
    );
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "unsupported");
    assert.equal(c.value.errorCode, 131051);
  });

  it("an unknown future type is unsupported with its original type and JSON", () => {
    const event = one("poll_vote", { poll_vote: { option: 2 } });
    const c = content(event);
    assert.equal(c.case, "unsupported");
    assert.equal(c.value.originalType, "poll_vote");
    assert.deepEqual(JSON.parse(c.value.rawJson).poll_vote, { option: 2 });
  });

  it("empty text is unsupported rather than an invalid TextContent", () => {
    assert.equal(content(one("text", { text: { body: "" } })).case, "unsupported");
  });

  it("forwarded context and a click-to-WhatsApp referral", () => {
    const event = one("text", {
      text: { body: "vi o anúncio" },
      context: { forwarded: true, frequently_forwarded: true },
      referral: {
        source_url: "https://fb.me/ad1",
        source_id: "120000001",
        source_type: "ad",
        headline: "Promo",
        body: "Só hoje",
        ctwa_clid: "ARAkLkA",
        media_type: "image",
      },
    });
    assert.equal(event.message?.context?.forwarded, true);
    assert.equal(event.message?.context?.frequentlyForwarded, true);
    assert.equal(event.message?.context?.quotedExternalMessageId, "");
    const r = event.message?.referral;
    assert.equal(r?.sourceUrl, "https://fb.me/ad1");
    assert.equal(r?.sourceId, "120000001");
    assert.equal(r?.sourceType, "ad");
    assert.equal(r?.headline, "Promo");
    assert.equal(r?.body, "Só hoje");
    assert.equal(r?.ctwaClid, "ARAkLkA");
  });

  it("messages without context or referral leave them unset", () => {
    const event = one("text", { text: { body: "oi" } });
    assert.equal(event.message?.context, undefined);
    assert.equal(event.message?.referral, undefined);
  });

  it("a contact with user_id and username but no wa_id", () => {
    const event = only(
      waBody({
        contacts: [{ user_id: "BR.1234567890", profile: { name: "Bia", username: "bia.s" } }],
        messages: [
          {
            from_user_id: "BR.1234567890",
            id: "wamid.BSUID1",
            timestamp: "1767225600",
            type: "text",
            text: { body: "oi" },
          },
        ],
      }),
    );
    assert.equal(event.contact?.waId, "");
    assert.equal(event.contact?.userId, "BR.1234567890");
    assert.equal(event.contact?.externalId, "BR.1234567890");
    assert.equal(event.contact?.username, "bia.s");
    assert.equal(event.contact?.displayName, "Bia");
    assert.equal(event.contact?.phone, "");
  });

  it("each message is matched to its own contact in a batch", () => {
    const sam = { wa_id: "14155550123", profile: { name: "Sam Lee" } };
    const split = splitWhatsAppDelivery(
      waBody({
        contacts: [ANA, sam],
        messages: [
          waMessage("text", { text: { body: "a" } }),
          { ...waMessage("text", { text: { body: "b" } }), from: sam.wa_id },
        ],
      }),
      ctx,
    );
    assert.deepEqual(
      split.messages.map((m) => m.event.contact?.displayName),
      ["Ana Souza", "Sam Lee"],
    );
  });

  it("marks messages older than the replay horizon as stale", () => {
    const old = String(Math.floor(ctx.receivedAt.getTime() / 1000) - 25 * 3600);
    const event = one("text", { text: { body: "antiga" }, timestamp: old });
    assert.equal(event.stale, true);
    assert.equal(event.sentAt?.seconds, BigInt(old));
  });

  it("a missing timestamp falls back to the arrival time", () => {
    const m = waMessage("text", { text: { body: "sem hora" } });
    delete m.timestamp;
    const event = only(waBody({ contacts: [ANA], messages: [m] }));
    assert.equal(event.sentAt?.seconds, BigInt(ctx.receivedAt.getTime() / 1000));
    assert.equal(event.stale, false);
  });
});

describe("splitWhatsAppDelivery: envelopes", () => {
  it("iterates every entry and change", () => {
    const body = JSON.parse(
      waBody({ contacts: [ANA], messages: [waMessage("text", { text: { body: "1" } })] }).toString(),
    ) as { entry: unknown[] };
    const second = JSON.parse(
      waBody(
        { contacts: [ANA], messages: [waMessage("text", { text: { body: "2" } })] },
        {
          statuses: [{ id: "wamid.OUT1", status: "sent", timestamp: "1767225600", recipient_id: ANA.wa_id }],
        },
      ).toString(),
    ) as { entry: unknown[] };
    body.entry.push(...second.entry);
    const split = splitWhatsAppDelivery(Buffer.from(JSON.stringify(body)), ctx);
    assert.equal(split.messages.length, 2);
    assert.equal(split.statuses.length, 1);
    assert.equal(split.statuses[0]?.event.status, MessageStatus.SENT);
  });

  it("skips a change for another business number, with a note", () => {
    const split = splitWhatsAppDelivery(
      waBody(
        {
          contacts: [ANA],
          messages: [waMessage("text", { text: { body: "elsewhere" } })],
          phoneNumberId: "999",
        },
        { contacts: [ANA], messages: [waMessage("text", { text: { body: "here" } })] },
      ),
      ctx,
    );
    assert.equal(split.messages.length, 1);
    assert.equal(content(split.messages[0]?.event ?? assert.fail()).case, "text");
    assert.match(split.notes.join(), /phone_number_id "999"/);
  });

  it("ignores fields other than messages", () => {
    const split = splitWhatsAppDelivery(waBody({ field: "account_update" }), ctx);
    assert.equal(split.messages.length + split.statuses.length, 0);
    assert.match(split.notes.join(), /ignored field "account_update"/);
  });

  it("skips messages without id and statuses Atendo does not track", () => {
    const noId = waMessage("text", { text: { body: "x" } });
    delete noId.id;
    const split = splitWhatsAppDelivery(
      waBody({
        contacts: [ANA],
        messages: [noId],
        statuses: [
          { id: "wamid.OUT2", status: "deleted", timestamp: "1767225600", recipient_id: ANA.wa_id },
          { id: "wamid.OUT3", status: "played", timestamp: "1767225600", recipient_id: ANA.wa_id },
        ],
      }),
      ctx,
    );
    assert.equal(split.messages.length, 0);
    assert.deepEqual(
      split.statuses.map((s) => [s.msgId, s.event.status]),
      [["wamid.OUT3:played", MessageStatus.PLAYED]],
    );
    assert.match(split.notes.join(), /without id/);
    assert.match(split.notes.join(), /status "deleted"/);
  });

  it("classifies retryable status errors", () => {
    const split = splitWhatsAppDelivery(
      waBody({
        statuses: [
          {
            id: "wamid.OUT4",
            status: "failed",
            timestamp: "1767225600",
            recipient_id: ANA.wa_id,
            errors: [{ code: 131000, title: "Something went wrong" }],
          },
        ],
      }),
      ctx,
    );
    assert.equal(split.statuses[0]?.event.errors[0]?.retryable, true);
  });

  for (const [name, body] of [
    ["invalid JSON", Buffer.from('{"object":"whatsapp_business_account","entry":[')],
    ["a JSON array", Buffer.from("[]")],
    ["another object type", Buffer.from('{"object":"page","entry":[]}')],
    ["entries of the wrong type", Buffer.from('{"object":"whatsapp_business_account","entry":"x"}')],
    [
      "changes with odd values",
      Buffer.from(
        '{"object":"whatsapp_business_account","entry":[{"changes":[null,1,{"field":"messages","value":7}]}]}',
      ),
    ],
  ] as const) {
    it(`never throws on ${name}: no event and a note`, () => {
      const split = splitWhatsAppDelivery(body, ctx);
      assert.equal(split.messages.length + split.statuses.length, 0);
      assert.ok(split.notes.length > 0);
    });
  }

  it("gives every delivery of a message the same event id (Meta retries, sweeps and replays)", () => {
    const body = readFixture("whatsapp/two-text-messages.json");
    const a = splitWhatsAppDelivery(body, ctx);
    const retry = splitWhatsAppDelivery(body, {
      ...ctx,
      webhookEventId: "019ab1c2-0000-7000-8000-000000000002",
      receivedAt: new Date(ctx.receivedAt.getTime() + 600_000),
    });
    const ids = a.messages.map((m) => m.event.meta?.eventId);
    assert.deepEqual(
      retry.messages.map((m) => m.event.meta?.eventId),
      ids,
    );
    assert.notEqual(ids[0], ids[1]);
    // The event id's time is the message's own timestamp.
    assert.equal(Number.parseInt((ids[0] ?? "").replaceAll("-", "").slice(0, 12), 16), 1767225600_000);
    const otherChannel = splitWhatsAppDelivery(body, {
      ...ctx,
      channelId: "019ab1c2-0000-7000-8000-0000000000dd",
    });
    assert.notEqual(otherChannel.messages[0]?.event.meta?.eventId, ids[0]);
  });
});
