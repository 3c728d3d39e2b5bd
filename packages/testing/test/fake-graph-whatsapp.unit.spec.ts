import assert from "node:assert/strict";
import type { FakeGraph } from "../src/index.js";
import { startFakeGraph } from "../src/index.js";
import { graphError, postMessages, rawRequest } from "./http.js";

const PHONE_ID = "109876543210001";

function text(body: string, to = "+5511987654321") {
  return { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body } };
}

describe("fake Graph: WhatsApp Cloud API sends", () => {
  let fake: FakeGraph;
  const logged: { obj: Record<string, unknown>; msg: string }[] = [];
  beforeEach(async () => {
    logged.length = 0;
    fake = await startFakeGraph({ logger: { info: (obj, msg) => logged.push({ obj, msg }) } });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("accepts a text message and answers with the contact and a unique wamid", async () => {
    const first = await postMessages(fake.url, PHONE_ID, text("Olá! Temos sim."));
    const second = await postMessages(fake.url, PHONE_ID, text("Segue o link"));

    assert.equal(first.status, 200);
    assert.match(String(first.headers["content-type"]), /application\/json/);
    const body = first.json as { messaging_product: string; contacts: unknown; messages: { id: string }[] };
    assert.equal(body.messaging_product, "whatsapp");
    assert.deepEqual(body.contacts, [{ input: "+5511987654321", wa_id: "5511987654321" }]);
    assert.equal(body.messages.length, 1);
    assert.match(body.messages[0]?.id ?? "", /^wamid\.[A-Za-z0-9+/]{20,}$/);
    const secondId = (second.json as { messages: { id: string }[] }).messages[0]?.id;
    assert.notEqual(secondId, body.messages[0]?.id);

    const [send] = fake.sends;
    assert.equal(fake.sends.length, 2);
    assert.equal(send?.kind, "whatsapp_message");
    assert.equal(send?.path, `/v23.0/${PHONE_ID}/messages`);
    assert.equal(send?.version, "v23.0");
    assert.equal(send?.businessId, PHONE_ID);
    assert.equal(send?.to, "+5511987654321");
    assert.equal(send?.headers.authorization, "Bearer test-token");
    assert.deepEqual(send?.body, text("Olá! Temos sim."));
    assert.ok(send?.at instanceof Date);
    assert.deepEqual(send?.response, { status: 200, body: first.json });
  });

  it("accepts the other message types with their objects", async () => {
    const base = { messaging_product: "whatsapp", to: "14155550123" };
    const bodies = [
      { ...base, type: "image", image: { link: "https://cdn.example.com/p.jpg", caption: "Modelo azul" } },
      { ...base, type: "document", document: { id: "1234", filename: "catalogo.pdf" } },
      { ...base, type: "audio", audio: { id: "5678", voice: true } },
      {
        ...base,
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "Quer falar com uma pessoa?" },
          action: {
            buttons: [
              { type: "reply", reply: { id: "yes", title: "Sim" } },
              { type: "reply", reply: { id: "no", title: "Não" } },
            ],
          },
        },
      },
      {
        ...base,
        type: "interactive",
        interactive: {
          type: "list",
          body: { text: "Escolha um tamanho" },
          action: {
            button: "Tamanhos",
            sections: [{ rows: [{ id: "m", title: "M", description: "Médio" }] }],
          },
        },
      },
      { ...base, type: "reaction", reaction: { message_id: "wamid.abc", emoji: "👍" } },
      { ...base, type: "location", location: { latitude: -23.56, longitude: -46.65, name: "Loja" } },
      { ...base, type: "contacts", contacts: [{ name: { formatted_name: "Loja Centro" } }] },
      { ...base, text: { body: "type defaults to text" }, context: { message_id: "wamid.quoted" } },
    ];
    for (const body of bodies) {
      const res = await postMessages(fake.url, PHONE_ID, body);
      assert.equal(res.status, 200, `${JSON.stringify(body)} -> ${res.bytes.toString("utf8")}`);
    }
  });

  it("marks templates as accepted, like Graph", async () => {
    const res = await postMessages(fake.url, PHONE_ID, {
      messaging_product: "whatsapp",
      to: "+5511987654321",
      type: "template",
      template: { name: "follow_up", language: { code: "pt_BR" }, components: [] },
    });
    assert.equal(res.status, 200);
    const message = (res.json as { messages: { id: string; message_status: string }[] }).messages[0];
    assert.equal(message?.message_status, "accepted");
  });

  it("answers the mark-read + typing body with success", async () => {
    const res = await postMessages(fake.url, PHONE_ID, {
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.HBgNNTUxMTk4NzY1NDMyMQ",
      typing_indicator: { type: "text" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true });
    assert.equal(fake.sends[0]?.kind, "whatsapp_read");
  });

  describe("validation, like Graph: 400 code 100 Invalid parameter", () => {
    const long = "a".repeat(4097);
    const cases: [string, unknown, RegExp][] = [
      [
        "missing messaging_product",
        { to: "+5511987654321", type: "text", text: { body: "hi" } },
        /messaging_product/,
      ],
      ["wrong messaging_product", { ...text("hi"), messaging_product: "instagram" }, /messaging_product/],
      [
        "missing to",
        { messaging_product: "whatsapp", type: "text", text: { body: "hi" } },
        /Param to is required/,
      ],
      ["to not a phone number", text("hi", "ana souza"), /Param to must be a phone number/],
      ["unknown type", { ...text("hi"), type: "hologram" }, /Param type must be one of/],
      [
        "text object missing",
        { messaging_product: "whatsapp", to: "+5511987654321", type: "text" },
        /Param text is required/,
      ],
      ["empty text body", text(""), /text\['body'\] must not be empty/],
      ["text body over 4096 characters", text(long), /text\['body'\] must be at most 4096 characters/],
      [
        "image with both id and link",
        {
          messaging_product: "whatsapp",
          to: "+5511987654321",
          type: "image",
          image: { id: "1", link: "https://x.io/a.jpg" },
        },
        /exactly one of image\['id'\] or image\['link'\]/,
      ],
      [
        "caption on audio",
        {
          messaging_product: "whatsapp",
          to: "+5511987654321",
          type: "audio",
          audio: { id: "1", caption: "x" },
        },
        /audio\['caption'\] is not allowed/,
      ],
      [
        "four reply buttons",
        {
          messaging_product: "whatsapp",
          to: "+5511987654321",
          type: "interactive",
          interactive: {
            type: "button",
            body: { text: "pick" },
            action: {
              buttons: ["a", "b", "c", "d"].map((id) => ({ type: "reply", reply: { id, title: id } })),
            },
          },
        },
        /buttons'\] must have at most 3 elements/,
      ],
      [
        "button title over 20 characters",
        {
          messaging_product: "whatsapp",
          to: "+5511987654321",
          type: "interactive",
          interactive: {
            type: "button",
            body: { text: "pick" },
            action: {
              buttons: [{ type: "reply", reply: { id: "a", title: "Falar com um atendente agora" } }],
            },
          },
        },
        /title'\] must be at most 20 characters/,
      ],
      [
        "reaction without message_id",
        { messaging_product: "whatsapp", to: "+5511987654321", type: "reaction", reaction: { emoji: "👍" } },
        /reaction\['message_id'\] is required/,
      ],
      [
        "latitude out of range",
        {
          messaging_product: "whatsapp",
          to: "+5511987654321",
          type: "location",
          location: { latitude: 123, longitude: 0 },
        },
        /latitude'\] must be between -90 and 90/,
      ],
      ["not JSON", "{messaging_product: whatsapp", /must be a JSON object/],
      [
        "mark read without message_id",
        { messaging_product: "whatsapp", status: "read" },
        /message_id is required/,
      ],
    ];
    for (const [name, body, details] of cases) {
      it(`rejects ${name}`, async () => {
        const res = await postMessages(fake.url, PHONE_ID, body);
        assert.equal(res.status, 400, res.bytes.toString("utf8"));
        const error = graphError(res);
        assert.equal(error.code, 100);
        assert.equal(error.type, "OAuthException");
        assert.equal(error.message, "(#100) Invalid parameter");
        assert.match(error.error_data.details, details);
        assert.equal(fake.sends[0]?.response.status, 400, "rejected sends are recorded too");
      });
    }

    it("accepts a text body of exactly 4096 characters (emoji count as one)", async () => {
      const res = await postMessages(fake.url, PHONE_ID, text("😀".repeat(4096)));
      assert.equal(res.status, 200, res.bytes.toString("utf8"));
    });
  });

  describe("access token", () => {
    it("accepts any bearer token while none is registered, but requires one", async () => {
      assert.equal((await postMessages(fake.url, PHONE_ID, text("hi"), "whatever")).status, 200);
      const missing = await postMessages(fake.url, PHONE_ID, text("hi"), null);
      assert.equal(missing.status, 401);
      assert.equal(graphError(missing).code, 104);
    });

    it("rejects an unknown token with 401 code 190 once tokens are registered", async () => {
      fake.registerToken("EAAG-good");
      const bad = await postMessages(fake.url, PHONE_ID, text("hi"), "EAAG-stolen");
      assert.equal(bad.status, 401);
      const error = graphError(bad);
      assert.equal(error.code, 190);
      assert.equal(error.type, "OAuthException");
      assert.match(String(bad.headers["www-authenticate"]), /invalid_token/);

      const malformed = await rawRequest(
        "POST",
        `${fake.url}/v23.0/${PHONE_ID}/messages`,
        { authorization: "Basic abc", "content-type": "application/json" },
        JSON.stringify(text("hi")),
      );
      assert.equal(graphError(malformed).code, 190);

      assert.equal((await postMessages(fake.url, PHONE_ID, text("hi"), "EAAG-good")).status, 200);
      assert.deepEqual(
        fake.sends.map((s) => s.response.status),
        [401, 401, 200],
      );
    });

    it("checks the token before the body", async () => {
      fake.registerToken("EAAG-good");
      const res = await postMessages(fake.url, PHONE_ID, { nonsense: true }, "EAAG-stolen");
      assert.equal(graphError(res).code, 190);
    });
  });

  it("answers unknown paths with Graph's unknown path error", async () => {
    const res = await postMessages(fake.url, PHONE_ID, text("hi"), "t", "latest");
    assert.equal(res.status, 400);
    assert.equal(graphError(res).code, 2500);
    const edge = await rawRequest(
      "POST",
      `${fake.url}/v23.0/${PHONE_ID}/media`,
      { authorization: "Bearer t" },
      "{}",
    );
    assert.equal(graphError(edge).code, 2500);
    assert.equal(fake.sends.length, 0);
  });

  it("waitForSends resolves once enough sends arrived and times out with a count otherwise", async () => {
    const waiting = fake.waitForSends(3);
    await Promise.all([1, 2, 3].map((n) => postMessages(fake.url, PHONE_ID, text(`part ${n}`))));
    const sends = await waiting;
    assert.equal(sends.length, 3);
    await assert.rejects(fake.waitForSends(4, 60), /4 sends to the fake Graph API \(got 3\)/);
  });

  it("logs one line per send without the access token", async () => {
    await postMessages(fake.url, PHONE_ID, text("hi"), "EAAG-secret-token");
    await postMessages(fake.url, PHONE_ID, text(""), "EAAG-secret-token");
    assert.equal(logged.length, 2);
    assert.equal(logged[0]?.msg, "fake graph: send");
    assert.equal(logged[0]?.obj.business_id, PHONE_ID);
    assert.equal(logged[0]?.obj.status, 200);
    assert.equal(logged[1]?.obj.status, 400);
    assert.ok(!JSON.stringify(logged).includes("EAAG-secret-token"));
  });

  it("reset forgets sends and pending failures", async () => {
    fake.failNext({ status: 500, code: 131000, message: "(#131000) Something went wrong" });
    await postMessages(fake.url, PHONE_ID, text("hi"));
    fake.failNext({ status: 500, code: 131000, message: "(#131000) Something went wrong" });
    fake.reset();
    assert.equal(fake.sends.length, 0);
    assert.equal((await postMessages(fake.url, PHONE_ID, text("hi"))).status, 200);
  });
});
