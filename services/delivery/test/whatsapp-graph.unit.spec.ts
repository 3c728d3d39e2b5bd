import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeGraph, GRAPH_ERRORS, startFakeGraph } from "@atendo/testing";
import { createWhatsAppGraph } from "../src/adapters/whatsapp-graph.js";

const TOKEN = "EAAG-graph-spec-token";
const body = {
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: "+5511987654321",
  type: "text",
  text: { body: "hello", preview_url: false },
};

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("WhatsApp Graph adapter", () => {
  let graph: FakeGraph;
  const adapter = createWhatsAppGraph({ timeoutMs: 2_000 });
  const target = () => ({
    graphApiBaseUrl: graph.url,
    graphApiVersion: "v23.0",
    phoneNumberId: "106540352242922",
    accessToken: TOKEN,
    body,
  });

  before(async () => {
    graph = await startFakeGraph();
    graph.registerToken(TOKEN);
  });
  afterEach(() => graph.reset());
  after(() => graph.close());

  it("posts the body with the bearer token and keeps the wamid", async () => {
    const outcome = await adapter.sendMessage(target());
    assert.equal(outcome.kind, "accepted");
    assert.ok(outcome.kind === "accepted" && outcome.externalMessageId.startsWith("wamid."));
    assert.equal(outcome.httpStatus, 200);
    const [send] = graph.sends;
    assert.ok(send);
    assert.equal(send.path, "/v23.0/106540352242922/messages");
    assert.equal(send.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(send.body, body);
  });

  it("parses Graph errors and classifies them by code", async () => {
    graph.failNext(GRAPH_ERRORS.windowClosed);
    const closed = await adapter.sendMessage(target());
    assert.equal(closed.kind, "permanent");
    assert.equal(closed.httpStatus, 400);
    assert.equal(closed.error.code, 131047);
    assert.equal(closed.error.title, "Re-engagement message");
    assert.match(closed.error.details, /24 hours/);
    assert.equal(closed.error.retryable, false);
    assert.match(closed.responseSnippet, /131047/);

    graph.failNext(GRAPH_ERRORS.throughput);
    const throttled = await adapter.sendMessage(target());
    assert.equal(throttled.kind, "throughput");
    assert.equal(throttled.error.retryable, true);

    const refused = await adapter.sendMessage({ ...target(), accessToken: "EAAG-unknown" });
    assert.equal(refused.kind, "auth");
    assert.equal(refused.httpStatus, 401);
  });

  it("treats an unanswered request as a transient timeout", async () => {
    const silent = createServer(() => {
      // Never answers.
    });
    const url = await listen(silent);
    try {
      const quick = createWhatsAppGraph({ timeoutMs: 200 });
      const outcome = await quick.sendMessage({ ...target(), graphApiBaseUrl: url });
      assert.equal(outcome.kind, "transient");
      assert.equal(outcome.error.title, "timeout");
      assert.equal(outcome.httpStatus, 0);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("treats refused connections and bodiless 5xx answers as transient", async () => {
    const gateway = createServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" }).end("<html>Bad Gateway</html>");
    });
    const url = await listen(gateway);
    const bad = await adapter.sendMessage({ ...target(), graphApiBaseUrl: url });
    assert.equal(bad.kind, "transient");
    assert.equal(bad.httpStatus, 502);
    gateway.closeAllConnections();
    gateway.close();
    await once(gateway, "close");

    const refused = await adapter.sendMessage({ ...target(), graphApiBaseUrl: url });
    assert.equal(refused.kind, "transient");
    assert.equal(refused.error.title, "network error");
  });
});
