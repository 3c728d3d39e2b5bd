import assert from "node:assert/strict";
import { MediaState } from "@atendo/proto/common/v1";
import { readFixture } from "@atendo/testing";
import { eventCount } from "../src/domain/split-delivery.js";
import { splitWhatsAppDelivery } from "../src/domain/whatsapp-delivery.js";
import { TEST_DELIVERY_CONTEXT } from "./support/delivery-context.js";
import { ANA, PHONE_NUMBER_ID, waBody, waMessage } from "./support/whatsapp-payloads.js";

const ctx = TEST_DELIVERY_CONTEXT;
const split = (name: string) => splitWhatsAppDelivery(readFixture(`whatsapp/${name}`), ctx);

describe("WhatsApp deliveries that are not ours are ignored, with the reason", () => {
  it("another number of the account: ignored, naming both numbers, nothing to publish", () => {
    const parts = split("another-number.json");
    assert.equal(eventCount(parts), 0);
    assert.equal(
      parts.ignored,
      `addressed to phone_number_id "109876543210002", not this channel's "${PHONE_NUMBER_ID}"`,
    );
    assert.match(parts.notes.join(), /phone_number_id "109876543210002"/);
  });

  it("the App Dashboard's Test sample: ignored as the Meta dashboard sample", () => {
    const parts = split("dashboard-sample.json");
    assert.equal(eventCount(parts), 0);
    assert.equal(parts.ignored, "Meta dashboard sample");
  });

  it("the sample is ignored for every coexistence field too", () => {
    for (const field of ["smb_message_echoes", "history", "smb_app_state_sync"]) {
      const parts = splitWhatsAppDelivery(waBody({ field, phoneNumberId: "123456123" }), ctx);
      assert.equal(parts.ignored, "Meta dashboard sample", field);
    }
  });

  it("a delivery with a change for this number and one for another is not ignored", () => {
    const parts = splitWhatsAppDelivery(
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
    assert.equal(parts.ignored, undefined);
    assert.equal(parts.messages.length, 1);
    assert.match(parts.notes.join(), /phone_number_id "999"/);
  });

  it("only fields Atendo does not map: accepted with a note, not ignored", () => {
    const parts = splitWhatsAppDelivery(waBody({ field: "account_update" }), ctx);
    assert.equal(parts.ignored, undefined);
    assert.deepEqual(parts.notes, ['ignored field "account_update"']);
  });
});

describe("WhatsApp messages that lack what a message needs are notes, not events", () => {
  it('"from": null is not published (conversation would dead-letter it) and the row says why', () => {
    const parts = split("broken-from-null.json");
    assert.equal(parts.messages.length, 0);
    assert.equal(parts.ignored, undefined);
    assert.deepEqual(parts.notes, [
      "message wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVUxMMDAwMDAwMDEA not published: from is null",
    ]);
  });

  it('"from" as a number is not published; the rest of the delivery is', () => {
    const parts = split("broken-from-number.json");
    assert.deepEqual(
      parts.messages.map((m) => m.msgId),
      ["wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVU1CRVIwMDAwMDIA"],
    );
    assert.deepEqual(parts.notes, [
      "message wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVU1CRVIwMDAwMDEA not published: from is a number, not a string",
    ]);
  });

  it("a message without id and a status without recipient are named by position", () => {
    const parts = split("broken-missing-id.json");
    assert.equal(eventCount(parts), 0);
    assert.deepEqual(parts.notes, [
      "message at messages[0] not published: without id",
      "status of wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA== not published: without recipient_id",
    ]);
  });

  for (const [name, fields, problem] of [
    ["no from", { from: undefined }, "without from"],
    ["an empty from", { from: "" }, "from is empty"],
    ["from as an object", { from: { wa_id: "1" } }, "from is an object, not a string"],
    ["an id that is a number", { id: 12345 }, "id is a number, not a string"],
    ["no type", { type: undefined }, "without type"],
    ["a type that is null", { type: null }, "type is null"],
  ] as const) {
    it(`a message with ${name} is a note: "${problem}"`, () => {
      const message = { ...waMessage("text", { text: { body: "x" } }), ...fields };
      const parts = splitWhatsAppDelivery(waBody({ contacts: [ANA], messages: [message] }), ctx);
      assert.equal(parts.messages.length, 0);
      assert.equal(parts.notes.length, 1);
      assert.match(parts.notes[0] ?? "", new RegExp(`not published: ${problem}$`));
    });
  }

  it("a message with from_user_id only (no phone shared) is published", () => {
    const message = {
      ...waMessage("text", { text: { body: "x" } }),
      from: undefined,
      from_user_id: "BR.9Z8Y",
    };
    const parts = splitWhatsAppDelivery(
      waBody({ contacts: [{ user_id: "BR.9Z8Y" }], messages: [message] }),
      ctx,
    );
    assert.deepEqual(parts.notes, []);
    assert.equal(parts.messages[0]?.event.contact?.externalId, "BR.9Z8Y");
  });

  it("an echo without to or to_user_id, and a history message without from, are notes", () => {
    const echo = waBody({
      field: "smb_message_echoes",
      echoes: [
        {
          from: "15550001111",
          to: "",
          id: "wamid.E9",
          timestamp: "1767225600",
          type: "text",
          text: { body: "x" },
        },
      ],
    });
    assert.deepEqual(splitWhatsAppDelivery(echo, ctx).notes, ["message wamid.E9 not published: to is empty"]);
    const history = waBody({
      field: "history",
      history: [
        {
          metadata: { phase: 0, chunk_order: 1, progress: 10 },
          threads: [{ id: "5511987654321", messages: [{ id: "wamid.H9", timestamp: "1", type: "text" }] }],
        },
      ],
    });
    const parts = splitWhatsAppDelivery(history, ctx);
    assert.deepEqual(parts.notes, ["message wamid.H9 not published: without from"]);
    assert.equal(parts.historyProgress[0]?.event.messageCount, 1, "the chunk still counts it");
  });

  it("a status whose id is a number is a note", () => {
    const parts = splitWhatsAppDelivery(
      waBody({ statuses: [{ id: 7, status: "read", timestamp: "1767225600", recipient_id: ANA.wa_id }] }),
      ctx,
    );
    assert.equal(parts.statuses.length, 0);
    assert.deepEqual(parts.notes, ["status at statuses[0] not published: id is a number, not a string"]);
  });
});

describe("WhatsApp inbound media", () => {
  it("is pending until ingress's media fetcher stores it", () => {
    const parts = split("image-with-caption.json");
    const content = parts.messages[0]?.event.message?.content;
    assert.equal(content?.case, "media");
    assert.equal(content.value.media?.state, MediaState.PENDING);
    assert.equal(content.value.media?.mediaId, "");
  });
});
