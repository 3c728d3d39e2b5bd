import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { CORRELATION_HEADER, type HttpHook, type NodeRequest, pathOf } from "../src/index.js";
import { SECRET_DETAIL } from "./support/echo-impl.js";
import { http1, http1Partial, http2, http2Partial } from "./support/raw-http.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";

const isWebhook = (req: NodeRequest) => req.method === "POST" && pathOf(req).startsWith("/webhooks/");

describe("server: plain HTTP routes (the http hook)", () => {
  const received: Buffer[] = [];
  const hook: HttpHook = async (req, res, ctx) => {
    if (pathOf(req) === "/webhooks/crash") throw new Error(SECRET_DETAIL);
    if (!isWebhook(req)) return false;
    const body = await ctx.readBody();
    received.push(body);
    res.statusCode = 200;
    res.setHeader("content-type", "text/plain");
    res.end(`${ctx.correlationId} ${createHash("sha256").update(body).digest("hex")}`);
    return true;
  };
  let s: EchoServer;
  before(async () => {
    s = await startEchoServer({ http: hook, maxBodyBytes: 3 * 1024 * 1024 });
  });
  after(() => s.server.close());
  beforeEach(() => {
    received.length = 0;
  });

  for (const [name, send] of [
    ["HTTP/1.1", http1],
    ["h2c", http2],
  ] as const) {
    it(`hands the raw body bytes over exactly (${name})`, async () => {
      // Every byte value, many chunks, a leading "PRI"-like prefix: nothing may be altered.
      const body = Buffer.concat([Buffer.from("PRI * HTTP/2.0"), randomBytes(2 * 1024 * 1024 + 7)]);
      const res = await send(s.port, {
        method: "POST",
        path: "/webhooks/whatsapp/ch-1",
        headers: { "content-type": "application/json", [CORRELATION_HEADER]: "evt-1" },
        body,
      });
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(received.length, 1);
      assert.ok(received[0]?.equals(body), "the hook got the exact bytes");
      assert.equal(res.body.toString(), `evt-1 ${createHash("sha256").update(body).digest("hex")}`);
      assert.equal(res.headers[CORRELATION_HEADER], "evt-1");
    });
  }

  it("gives an empty body as zero bytes", async () => {
    const res = await http1(s.port, { method: "POST", path: "/webhooks/empty" });
    assert.equal(res.status, 200);
    assert.equal(received[0]?.length, 0);
  });

  it("answers 404 when the hook declines", async () => {
    const res = await http1(s.port, { method: "GET", path: "/webhooks/whatsapp/ch-1" });
    assert.equal(res.status, 404);
  });

  it("answers 413 to a body declared or sent over maxBodyBytes, without handing it over", async () => {
    const limit = 3 * 1024 * 1024;
    // The client never ends its upload: the server must answer from what it has seen so far.
    const declared = await http1Partial(s.port, { "content-length": String(limit + 1) }, Buffer.alloc(10));
    assert.equal(declared, 413);
    const sent = await http1Partial(s.port, { "transfer-encoding": "chunked" }, Buffer.alloc(limit + 1, 7));
    assert.equal(sent, 413);
    const sentH2 = await http2Partial(s.port, Buffer.alloc(limit + 1, 7));
    assert.equal(sentH2, 413);
    assert.equal(received.length, 0);
  });

  it("answers 500 with a reference when the hook throws, and logs the cause", async () => {
    const res = await http1(s.port, { method: "POST", path: "/webhooks/crash", body: Buffer.from("{}") });
    assert.equal(res.status, 500);
    const ref = /^internal error \(ref ([0-9a-f]{12})\)$/.exec(res.body.toString())?.[1];
    assert.ok(ref, res.body.toString());
    const line = s.lines.find((l) => l.ref === ref);
    assert.ok(line);
    assert.equal(line.path, "/webhooks/crash");
    assert.match(JSON.stringify(line.err), /relation/);
  });

  it("does not log query strings (they may carry verify tokens)", async () => {
    await http1(s.port, { method: "POST", path: "/webhooks/crash?hub.verify_token=s3cr3t" });
    assert.ok(s.lines.length > 0);
    assert.ok(!JSON.stringify(s.lines).includes("s3cr3t"));
  });
});
