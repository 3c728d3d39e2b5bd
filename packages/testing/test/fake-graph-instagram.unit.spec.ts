import assert from "node:assert/strict";
import type { FakeGraph } from "../src/index.js";
import { GRAPH_ERRORS, startFakeGraph } from "../src/index.js";
import { graphError, postMessages } from "./http.js";

const IG_ACCOUNT = "17841400000000001";
const IGSID = "6130000000000001";

describe("fake Graph: Instagram Send API", () => {
  let fake: FakeGraph;
  beforeEach(async () => {
    fake = await startFakeGraph();
  });
  afterEach(async () => {
    await fake.close();
  });

  it("accepts a text message and answers with recipient_id and a unique message_id", async () => {
    const body = { recipient: { id: IGSID }, message: { text: "Temos sim, no tamanho M." } };
    const first = await postMessages(fake.url, IG_ACCOUNT, body);
    const second = await postMessages(fake.url, IG_ACCOUNT, body);
    assert.equal(first.status, 200);
    const answer = first.json as { recipient_id: string; message_id: string };
    assert.deepEqual(Object.keys(answer).sort(), ["message_id", "recipient_id"]);
    assert.equal(answer.recipient_id, IGSID);
    assert.match(answer.message_id, /^[A-Za-z0-9_-]{20,}$/);
    assert.notEqual((second.json as { message_id: string }).message_id, answer.message_id);

    const [send] = fake.sends;
    assert.equal(send?.kind, "instagram_message");
    assert.equal(send?.businessId, IG_ACCOUNT);
    assert.equal(send?.to, IGSID);
    assert.deepEqual(send?.body, body);
  });

  it("accepts attachments, the HUMAN_AGENT tag and sender actions", async () => {
    const image = await postMessages(fake.url, IG_ACCOUNT, {
      recipient: { id: IGSID },
      message: { attachment: { type: "image", payload: { url: "https://cdn.example.com/a.jpg" } } },
    });
    assert.equal(image.status, 200);
    const tagged = await postMessages(fake.url, IG_ACCOUNT, {
      recipient: { id: IGSID },
      messaging_type: "MESSAGE_TAG",
      tag: "HUMAN_AGENT",
      message: { text: "Oi, aqui é a Júlia da loja." },
    });
    assert.equal(tagged.status, 200);
    const typing = await postMessages(fake.url, IG_ACCOUNT, {
      recipient: { id: IGSID },
      sender_action: "typing_on",
    });
    assert.deepEqual(typing.json, { recipient_id: IGSID });
    assert.equal(fake.sends[2]?.kind, "instagram_action");
  });

  const invalid: [string, unknown, RegExp][] = [
    ["a missing recipient id", { recipient: {}, message: { text: "hi" } }, /recipient\[id\] is required/],
    [
      "text over 1000 bytes",
      { recipient: { id: IGSID }, message: { text: "€".repeat(334) } },
      /less than or equal to 1000/,
    ],
    ["an empty message", { recipient: { id: IGSID }, message: {} }, /exactly one of message\[text\]/],
    [
      "a tag other than HUMAN_AGENT",
      {
        recipient: { id: IGSID },
        messaging_type: "MESSAGE_TAG",
        tag: "ACCOUNT_UPDATE",
        message: { text: "x" },
      },
      /Param tag must be one of \{HUMAN_AGENT\}/,
    ],
    [
      "an attachment without a URL",
      { recipient: { id: IGSID }, message: { attachment: { type: "image", payload: {} } } },
      /payload\]\[url\] is required/,
    ],
    [
      "an unknown sender action",
      { recipient: { id: IGSID }, sender_action: "dance" },
      /sender_action must be one of/,
    ],
  ];
  for (const [name, body, details] of invalid) {
    it(`rejects ${name} with 400 code 100`, async () => {
      const res = await postMessages(fake.url, IG_ACCOUNT, body);
      assert.equal(res.status, 400);
      const error = graphError(res);
      assert.equal(error.code, 100);
      assert.match(error.error_data.details, details);
      assert.equal(error.error_data.messaging_product, undefined, "Instagram errors are not WhatsApp's");
    });
  }

  it("accepts exactly 1000 bytes of text", async () => {
    const res = await postMessages(fake.url, IG_ACCOUNT, {
      recipient: { id: IGSID },
      message: { text: "é".repeat(500) },
    });
    assert.equal(res.status, 200);
  });

  it("fails scripted Instagram sends too", async () => {
    fake.failNext({ ...GRAPH_ERRORS.internal, match: { kind: "instagram_message" } });
    const res = await postMessages(fake.url, IG_ACCOUNT, {
      recipient: { id: IGSID },
      message: { text: "hi" },
    });
    assert.equal(res.status, 500);
    assert.equal(graphError(res).code, 131000);
  });
});
