import assert from "node:assert/strict";
import type { FakeGraph, GraphErrorSpec } from "../src/index.js";
import { GRAPH_ERRORS, startFakeGraph } from "../src/index.js";
import { graphError, postMessages } from "./http.js";

const PHONE_ID = "109876543210001";

function text(to = "+5511987654321") {
  return { messaging_product: "whatsapp", to, type: "text", text: { body: "Olá" } };
}

describe("fake Graph: failNext", () => {
  let fake: FakeGraph;
  beforeEach(async () => {
    fake = await startFakeGraph();
  });
  afterEach(async () => {
    await fake.close();
  });

  const listed: [string, GraphErrorSpec, number, number][] = [
    ["throughput limit", GRAPH_ERRORS.throughput, 429, 130429],
    ["window closed", GRAPH_ERRORS.windowClosed, 400, 131047],
    ["expired token", GRAPH_ERRORS.tokenExpired, 401, 190],
    ["transient error", GRAPH_ERRORS.internal, 500, 131000],
    ["pair rate limit", GRAPH_ERRORS.pairRateLimit, 400, 131056],
    ["undeliverable", GRAPH_ERRORS.undeliverable, 400, 131026],
    ["recipient not allowed", GRAPH_ERRORS.recipientNotAllowed, 400, 131030],
    ["blocked", GRAPH_ERRORS.blocked, 400, 368],
  ];
  for (const [name, spec, status, code] of listed) {
    it(`fails the next send with ${status}/${code} (${name}) in Graph's error shape, then recovers`, async () => {
      fake.failNext(spec);
      const failed = await postMessages(fake.url, PHONE_ID, text());
      assert.equal(failed.status, status);
      const error = graphError(failed);
      assert.equal(error.code, code);
      assert.equal(error.message, spec.message);
      assert.equal(error.type, "OAuthException");
      assert.equal(error.error_data.details, spec.details ?? spec.message);
      assert.equal(error.error_data.messaging_product, "whatsapp");
      assert.match(error.fbtrace_id, /^[A-Za-z0-9_-]{8,}$/);
      assert.equal((await postMessages(fake.url, PHONE_ID, text())).status, 200, "only the next send fails");
      assert.deepEqual(
        fake.sends.map((s) => s.response.status),
        [status, 200],
      );
    });
  }

  it("carries a custom type, subcode and details", async () => {
    fake.failNext({
      status: 400,
      code: 131008,
      subcode: 2494010,
      type: "GraphMethodException",
      message: "(#131008) Required parameter is missing",
      details: "Parameter 'template' is required",
    });
    const error = graphError(await postMessages(fake.url, PHONE_ID, text()));
    assert.equal(error.type, "GraphMethodException");
    assert.equal(error.error_subcode, 2494010);
    assert.equal(error.error_data.details, "Parameter 'template' is required");
  });

  it("fails as many sends as `times` asks", async () => {
    fake.failNext({ ...GRAPH_ERRORS.throughput, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postMessages(fake.url, PHONE_ID, text())).status);
    assert.deepEqual(statuses, [429, 429, 200]);
  });

  it("fails only matching sends: other recipients and numbers are unaffected", async () => {
    fake.failNext({ ...GRAPH_ERRORS.pairRateLimit, match: { to: "+14155550123" } });
    fake.failNext({ ...GRAPH_ERRORS.internal, match: (send) => send.businessId === "999" });

    assert.equal((await postMessages(fake.url, PHONE_ID, text("+5511987654321"))).status, 200);
    assert.equal((await postMessages(fake.url, "999", text("+5511987654321"))).status, 500);
    const paired = await postMessages(fake.url, PHONE_ID, text("+14155550123"));
    assert.equal(graphError(paired).code, 131056);
    assert.equal((await postMessages(fake.url, PHONE_ID, text("+14155550123"))).status, 200);
  });

  it("matches by kind, so a mark-read does not use up a failure meant for a message", async () => {
    fake.failNext({ ...GRAPH_ERRORS.windowClosed, match: { kind: "whatsapp_message" } });
    const read = await postMessages(fake.url, PHONE_ID, {
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.x",
    });
    assert.equal(read.status, 200);
    assert.equal(graphError(await postMessages(fake.url, PHONE_ID, text())).code, 131047);
  });

  it("is not used up by a request that fails validation first", async () => {
    fake.failNext(GRAPH_ERRORS.internal);
    const invalid = await postMessages(fake.url, PHONE_ID, { messaging_product: "whatsapp" });
    assert.equal(graphError(invalid).code, 100);
    assert.equal((await postMessages(fake.url, PHONE_ID, text())).status, 500);
  });

  it("rejects a rule that could not be a Graph error", () => {
    assert.throws(() => fake.failNext({ status: 200, code: 1, message: "ok?" }), /HTTP error status/);
    assert.throws(() => fake.failNext({ ...GRAPH_ERRORS.internal, times: 0 }), /positive integer/);
  });
});
