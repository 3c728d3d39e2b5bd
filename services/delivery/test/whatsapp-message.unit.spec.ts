import assert from "node:assert/strict";
import { MediaKind, type Message, MessageSchema } from "@atendo/proto/common/v1";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { toE164, toWhatsAppBody } from "../src/domain/whatsapp-message.js";

function message(init: MessageInitShape<typeof MessageSchema>): Message {
  return create(MessageSchema, init);
}

function body(msg: Message, replyTo = "") {
  const mapped = toWhatsAppBody({ recipient: "5511987654321", message: msg, replyToExternalId: replyTo });
  assert.ok(mapped.ok, mapped.ok ? "" : mapped.reason);
  return mapped.body;
}

function rejection(msg: Message | undefined, recipient = "5511987654321"): string {
  const mapped = toWhatsAppBody({ recipient, message: msg, replyToExternalId: "" });
  assert.equal(mapped.ok, false);
  return mapped.ok ? "" : mapped.reason;
}

describe("toWhatsAppBody", () => {
  it("maps text with the envelope, the E.164 recipient and preview_url off", () => {
    assert.deepEqual(
      body(message({ content: { case: "text", value: { body: "Olá! Como posso ajudar?" } } })),
      {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "+5511987654321",
        type: "text",
        text: { body: "Olá! Como posso ajudar?", preview_url: false },
      },
    );
  });

  it("quotes the message to reply to", () => {
    const b = body(message({ content: { case: "text", value: { body: "sim" } } }), "wamid.QUOTED");
    assert.deepEqual(b.context, { message_id: "wamid.QUOTED" });
  });

  it("maps media by id, by link, with caption, filename and voice", () => {
    const image = body(
      message({
        content: {
          case: "media",
          value: { kind: MediaKind.IMAGE, media: { channelMediaId: "1234567890" }, caption: "menu" },
        },
      }),
    );
    assert.deepEqual(image.image, { id: "1234567890", caption: "menu" });
    const doc = body(
      message({
        content: {
          case: "media",
          value: {
            kind: MediaKind.DOCUMENT,
            media: { url: "https://cdn.example.com/price-list.pdf", filename: "price-list.pdf" },
          },
        },
      }),
    );
    assert.equal(doc.type, "document");
    assert.deepEqual(doc.document, {
      link: "https://cdn.example.com/price-list.pdf",
      filename: "price-list.pdf",
    });
    const voice = body(
      message({
        content: {
          case: "media",
          value: { kind: MediaKind.AUDIO, media: { url: "https://cdn.example.com/a.ogg" }, voice: true },
        },
      }),
    );
    assert.deepEqual(voice.audio, { link: "https://cdn.example.com/a.ogg", voice: true });
  });

  it("maps location, reaction, contacts and templates", () => {
    const loc = body(
      message({
        content: { case: "location", value: { latitude: -23.55, longitude: -46.63, name: "Loja" } },
      }),
    );
    assert.deepEqual(loc.location, { latitude: -23.55, longitude: -46.63, name: "Loja" });
    const reaction = body(
      message({ content: { case: "reaction", value: { targetExternalMessageId: "wamid.X", emoji: "👍" } } }),
    );
    assert.deepEqual(reaction.reaction, { message_id: "wamid.X", emoji: "👍" });
    const contacts = body(
      message({
        content: {
          case: "contacts",
          value: {
            contacts: [{ formattedName: "Ana", phones: [{ phone: "+55 11 5555-0100", type: "WORK" }] }],
          },
        },
      }),
    );
    assert.deepEqual(contacts.contacts, [
      {
        name: { formatted_name: "Ana", first_name: "Ana" },
        phones: [{ phone: "+55 11 5555-0100", type: "WORK" }],
      },
    ]);
    const template = body(
      message({
        content: {
          case: "template",
          value: { name: "order_update", languageCode: "pt_BR", bodyParameters: ["Ana", "#42"] },
        },
      }),
    );
    assert.deepEqual(template.template, {
      name: "order_update",
      language: { code: "pt_BR" },
      components: [
        {
          type: "body",
          parameters: [
            { type: "text", text: "Ana" },
            { type: "text", text: "#42" },
          ],
        },
      ],
    });
  });

  it("rejects what WhatsApp cannot carry", () => {
    assert.match(
      rejection(message({ content: { case: "interactiveReply", value: { id: "b1", title: "Yes" } } })),
      /interactive reply/,
    );
    assert.match(
      rejection(message({ content: { case: "unsupported", value: { originalType: "order" } } })),
      /unsupported content \(order\)/,
    );
    assert.match(rejection(message({})), /no content/);
    assert.match(rejection(undefined), /no content/);
    assert.match(
      rejection(
        message({
          content: {
            case: "media",
            value: { kind: MediaKind.STICKER, media: { channelMediaId: "1" }, caption: "hi" },
          },
        }),
      ),
      /sticker cannot have a caption/,
    );
    assert.match(
      rejection(message({ content: { case: "text", value: { body: "x".repeat(4097) } } })),
      /over 4096/,
    );
    assert.match(
      rejection(message({ content: { case: "text", value: { body: "hi" } } }), "visitor-7f3a"),
      /not a WhatsApp phone number/,
    );
  });

  it("normalises recipients to E.164", () => {
    assert.equal(toE164("5511987654321"), "+5511987654321");
    assert.equal(toE164("+5511987654321"), "+5511987654321");
    assert.equal(toE164("abc"), undefined);
  });
});
