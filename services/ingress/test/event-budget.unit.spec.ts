import assert from "node:assert/strict";
import { ClippedFieldSchema, MessageReceivedSchema, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import { create, toBinary } from "@bufbuild/protobuf";
import { clipCodePoints, clipUtf8, encodedEvent, fitEvent } from "../src/domain/event-budget.js";
import { afterFailedAttempt } from "../src/domain/retry-policy.js";
import { type DeliveryContext, splitWhatsAppDelivery } from "../src/domain/whatsapp-delivery.js";
import { TEST_DELIVERY_CONTEXT } from "./support/delivery-context.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

const ctx: DeliveryContext = { ...TEST_DELIVERY_CONTEXT, maxEventBytes: 64 * 1024 };

const KIB = 1024;

describe("fitEvent: events within the contract and the bus", () => {
  it("encodes an event once: the publisher gets the bytes fitEvent measured, unless clips were added since", () => {
    const event = create(MessageReceivedSchema, {
      externalMessageId: "wamid.once",
      message: { content: { case: "text", value: { body: "oi" } } },
    });
    assert.deepEqual(fitEvent(MessageReceivedSchema, event, 512 * KIB), []);
    const first = encodedEvent(MessageReceivedSchema, event);
    assert.equal(encodedEvent(MessageReceivedSchema, event), first, "the same bytes, not a new encoding");
    assert.deepEqual(first, toBinary(MessageReceivedSchema, event));
    // A mapping adds its own earlier cuts after fitting: those bytes are stale, encoded again.
    event.clipped = [create(ClippedFieldSchema, { path: "raw", originalBytes: 9000 })];
    const again = encodedEvent(MessageReceivedSchema, event);
    assert.notEqual(again, first);
    assert.deepEqual(again, toBinary(MessageReceivedSchema, event));
    // An event never fitted is simply encoded.
    const other = create(StatusReceivedSchema, { externalMessageId: "wamid.x" });
    assert.deepEqual(encodedEvent(StatusReceivedSchema, other), toBinary(StatusReceivedSchema, other));
  });

  it("cuts strings to their protovalidate max_len in characters, never inside a surrogate pair", () => {
    const event = create(MessageReceivedSchema, {
      message: { content: { case: "text", value: { body: `${"é".repeat(4095)}👋👋` } } },
    });
    const clips = fitEvent(MessageReceivedSchema, event, 512 * KIB);
    const content = event.message?.content;
    assert.equal(content?.case === "text" && content.value.body, `${"é".repeat(4095)}👋`);
    assert.deepEqual(clips, [{ path: "message.text.body", originalBytes: 4095 * 2 + 8 }]);
  });

  it("finds an overlong string in the items of a list inside a oneof (its cheap check walks there too)", () => {
    const event = create(MessageReceivedSchema, {
      message: {
        content: {
          case: "contacts",
          value: {
            contacts: [
              { formattedName: "Ana", phones: [{ phone: "+55 11 98765-4321" }] },
              { formattedName: "Bia", phones: [{ phone: "1".repeat(65) }] },
            ],
          },
        },
      },
    });
    const clips = fitEvent(MessageReceivedSchema, event, 512 * KIB);
    const content = event.message?.content;
    assert.equal(content?.case === "contacts" && content.value.contacts[1]?.phones[0]?.phone, "1".repeat(64));
    assert.deepEqual(clips, [{ path: "message.contacts.contacts.phones.phone", originalBytes: 65 }]);
  });

  it("leaves an event within its limits untouched", () => {
    const event = create(MessageReceivedSchema, {
      raw: "x".repeat(10 * KIB),
      message: { content: { case: "text", value: { body: "Oi" } } },
    });
    const before = toBinary(MessageReceivedSchema, event);
    assert.deepEqual(fitEvent(MessageReceivedSchema, event, 64 * KIB), []);
    assert.deepEqual(toBinary(MessageReceivedSchema, event), before);
  });

  it("then cuts the largest strings (multi-byte text included) until the event fits", () => {
    const event = create(MessageReceivedSchema, {
      raw: "ação ".repeat(40 * KIB),
      message: {
        content: { case: "unsupported", value: { originalType: "order", rawJson: "y".repeat(100 * KIB) } },
      },
    });
    const clips = fitEvent(MessageReceivedSchema, event, 64 * KIB);
    assert.ok(toBinary(MessageReceivedSchema, event).byteLength <= 63 * KIB);
    assert.deepEqual(
      clips.map((c) => c.path),
      ["raw", "message.unsupported.raw_json"],
    );
    assert.equal(clips[0]?.originalBytes, Buffer.byteLength("ação ".repeat(40 * KIB)));
    assert.ok(!event.raw.includes("\uFFFD"), "no character is split");
  });

  it("then drops the last items of the largest lists", () => {
    const event = create(StatusReceivedSchema, {
      errors: Array.from({ length: 5000 }, (_, i) => ({
        code: i,
        title: `error number ${i}`.padEnd(40, "."),
      })),
    });
    const clips = fitEvent(StatusReceivedSchema, event, 64 * KIB);
    assert.ok(toBinary(StatusReceivedSchema, event).byteLength <= 63 * KIB);
    assert.ok(event.errors.length > 100 && event.errors.length < 5000);
    assert.equal(event.errors[0]?.code, 0, "the first items are kept");
    assert.deepEqual(
      clips.map((c) => c.path),
      ["errors"],
    );
  });

  it("clipUtf8 and clipCodePoints stop on character boundaries", () => {
    assert.equal(clipUtf8("aé👋", 3), "aé");
    assert.equal(clipUtf8("aé👋", 6), "aé");
    assert.equal(clipUtf8("aé👋", 7), "aé👋");
    assert.equal(clipCodePoints("a👋b", 2), "a👋");
    assert.equal(clipCodePoints("\ud800ab", 2), "\ud800a", "a lone surrogate counts as one");
  });
});

describe("splitWhatsAppDelivery within the budget", () => {
  it("marks every cut in the event's `clipped`: a shared-contacts list too long for the bus", () => {
    const cards = Array.from({ length: 3000 }, (_, i) => ({
      name: { formatted_name: `Contato ${i}` },
      phones: [{ phone: `+55 11 9${String(i).padStart(8, "0")}`, type: "CELL" }],
    }));
    const split = splitWhatsAppDelivery(
      waBody({ contacts: [ANA], messages: [waMessage("contacts", { contacts: cards })] }),
      ctx,
    );
    const [message] = split.messages;
    assert.ok(message);
    assert.ok(toBinary(MessageReceivedSchema, message.event).byteLength <= ctx.maxEventBytes);
    const content = message.event.message?.content;
    assert.ok(content?.case === "contacts" && content.value.contacts.length < 3000);
    assert.deepEqual(
      message.event.clipped.map((c) => c.path),
      ["message.contacts.contacts"],
    );
  });
});

describe("splitWhatsAppDelivery when a message cannot be mapped", () => {
  it("publishes it as unsupported without its content, marked, and says why in the notes", () => {
    // A budget (far below the smallest setting) that the mapped message cannot fit even cut, its
    // sender's name staying 256 bytes long: fitting it throws.
    const tiny = { ...ctx, maxEventBytes: 1024 + 450 };
    const message = waMessage("text", { text: { body: "Oi" } });
    const sender = { wa_id: ANA.wa_id, profile: { name: "N".repeat(1000) } };
    const split = splitWhatsAppDelivery(waBody({ contacts: [sender], messages: [message] }), tiny);
    const [only] = split.messages;
    assert.equal(only?.msgId, message.id);
    const content = only?.event.message?.content;
    assert.equal(content?.case === "unsupported" && content.value.originalType, "text");
    assert.equal(only?.event.contact?.waId, ANA.wa_id);
    assert.deepEqual(
      only?.event.clipped.map((c) => c.path),
      ["message"],
    );
    assert.match(split.notes.join("; "), /could not be mapped .*published as unsupported/);
  });
});

describe("afterFailedAttempt", () => {
  const policy = { maxAttempts: 4, initialMs: 1000, maxMs: 3000 };

  it("doubles the pause up to the cap, up to 20% shorter, then gives up", () => {
    assert.deepEqual(
      afterFailedAttempt(1, policy, () => 0),
      { failed: false, delayMs: 1000 },
    );
    assert.deepEqual(
      afterFailedAttempt(2, policy, () => 0),
      { failed: false, delayMs: 2000 },
    );
    assert.deepEqual(
      afterFailedAttempt(3, policy, () => 0),
      { failed: false, delayMs: 3000 },
    );
    assert.deepEqual(
      afterFailedAttempt(3, policy, () => 1),
      { failed: false, delayMs: 2400 },
    );
    assert.deepEqual(afterFailedAttempt(4, policy), { failed: true });
  });
});
