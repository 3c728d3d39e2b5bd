import assert from "node:assert/strict";
import { createServer as createHttp2Server } from "node:http2";
import { createServer as createNetServer } from "node:net";
import { readFixture, signMeta, waitFor } from "@atendo/testing";
import type { Transport } from "@connectrpc/connect";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import type { Edge, EdgeAccessEntry } from "../scripts/lib/edge.js";
import { createEdge } from "../scripts/lib/edge.js";
import { internalRpcPaths, internalServiceNames } from "../scripts/lib/rpc-catalog.js";
import { h2Request } from "./support/h2-request.js";
import { ProbeService } from "./support/probe-service.js";
import { type ProbeUpstream, startProbeUpstream } from "./support/probe-upstream.js";
import { rawConnection } from "./support/raw-connection.js";

const ORIGIN = "http://localhost:4200";
const SECRET_PATH = "/atendo.edgetest.v1.ProbeService/Secret";
/** A service marked internal: every path under it is denied, known method or not. */
const INTERNAL_SERVICE = "atendo.tenant.v1.ProbeDirectoryService";

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const address = s.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("local edge", () => {
  let upstream: ProbeUpstream;
  let tenantUpstream: ProbeUpstream;
  let edge: Edge;
  let edgeUrl: string;
  const access: EdgeAccessEntry[] = [];

  before(async () => {
    upstream = await startProbeUpstream();
    tenantUpstream = await startProbeUpstream();
    edge = createEdge({
      upstreams: {
        edgetest: upstream.url,
        ingress: upstream.url,
        tenant: tenantUpstream.url,
      },
      corsOrigins: [ORIGIN],
      internalPaths: new Set([...internalRpcPaths(), SECRET_PATH]),
      internalServices: new Set([...internalServiceNames(), INTERNAL_SERVICE]),
      onRequest: (e) => access.push(e),
    });
    const port = await edge.listen(0);
    edgeUrl = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await edge?.close(500);
    await upstream?.close();
    await tenantUpstream?.close();
  });

  const transports: Array<[string, () => Transport]> = [
    ["gRPC over HTTP/2", () => createGrpcTransport({ baseUrl: edgeUrl })],
    ["gRPC-web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "1.1" })],
    ["gRPC-web over HTTP/2", () => createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "2" })],
    [
      "Connect JSON over HTTP/1.1",
      () => createConnectTransport({ baseUrl: edgeUrl, httpVersion: "1.1", useBinaryFormat: false }),
    ],
    [
      "Connect binary over HTTP/2",
      () => createConnectTransport({ baseUrl: edgeUrl, httpVersion: "2", useBinaryFormat: true }),
    ],
  ];

  for (const [name, transport] of transports) {
    describe(name, () => {
      it("passes a unary call, its request headers, response headers and trailers", async () => {
        const client = createClient(ProbeService, transport());
        let replyHeader: string | null = null;
        let trailer: string | null = null;
        const res = await client.echo(
          { text: `hello ${name}` },
          {
            // A client's own X-Forwarded-For is not passed on: it would let anyone pick their address.
            headers: { "x-probe": "from-client", "x-forwarded-for": "203.0.113.66" },
            onHeader: (h) => {
              replyHeader = h.get("x-probe-reply");
            },
            onTrailer: (t) => {
              trailer = t.get("x-probe-trailer");
            },
          },
        );
        assert.equal(res.text, `hello ${name}`);
        assert.equal(res.header, "from-client");
        assert.equal(res.forwardedFor, "127.0.0.1");
        assert.equal(replyHeader, "yes");
        assert.equal(trailer, "done");
      });

      it("streams every message of a server stream in order", async () => {
        const client = createClient(ProbeService, transport());
        const got: number[] = [];
        for await (const m of client.count({ text: "tick", count: 25 })) got.push(m.index);
        assert.deepEqual(
          got,
          Array.from({ length: 25 }, (_, i) => i),
        );
      });

      it("passes the service's error code and message", async () => {
        const client = createClient(ProbeService, transport());
        const err = await client.fail({ text: "x" }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
        assert.ok(err, "the call should fail");
        assert.equal(err.code, Code.FailedPrecondition);
        assert.equal(err.rawMessage, "probe failed on purpose");
      });

      it("answers 404 (unimplemented) for an internal RPC without reaching the service", async () => {
        const client = createClient(ProbeService, transport());
        const err = await client.secret({ text: "x" }).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
        assert.ok(err, "an internal RPC must not be reachable through the edge");
        assert.equal(err.code, Code.Unimplemented);
      });
    });
  }

  it("answers `unavailable` in each protocol when the service is down", async () => {
    const downEdge = createEdge({ upstreams: { edgetest: `http://127.0.0.1:${await closedPort()}` } });
    const port = await downEdge.listen(0);
    const url = `http://127.0.0.1:${port}`;
    try {
      const downTransports: Array<[string, Transport]> = [
        ["gRPC", createGrpcTransport({ baseUrl: url })],
        ["gRPC-web", createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
        ["Connect", createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
      ];
      for (const [name, transport] of downTransports) {
        const err = await createClient(ProbeService, transport)
          .echo({ text: "x" })
          .then(
            () => undefined,
            (e: unknown) => ConnectError.from(e),
          );
        assert.ok(err, `${name}: the call should fail`);
        assert.equal(err.code, Code.Unavailable, `${name}: ${err.message}`);
      }
    } finally {
      await downEdge.close(100);
    }
  });

  it("cancels the service's call when the caller goes away mid-stream", async () => {
    const client = createClient(ProbeService, createGrpcTransport({ baseUrl: edgeUrl }));
    const abort = new AbortController();
    const before = upstream.hangsAborted;
    for await (const m of client.hang({ text: "wait" }, { signal: abort.signal })) {
      assert.equal(m.index, 0);
      abort.abort();
      break;
    }
    await waitFor(() => upstream.hangsAborted > before, {
      message: "the upstream handler to see the cancel",
    });
  });

  it("passes the internal RPCs of the contracts to nobody: 404 before any upstream", async () => {
    const paths = [...internalRpcPaths()];
    assert.ok(paths.some((p) => p.endsWith("/ResolveChannel")));
    assert.ok(paths.some((p) => p.endsWith("/GetTurnContext")));
    // An internal service is denied whole, methods the contract does not (yet) have included.
    paths.push(`/${INTERNAL_SERVICE}/AnyMethod`);
    const seen = tenantUpstream.received.length;
    for (const path of paths.filter((p) => p.startsWith("/atendo.tenant."))) {
      const res = await fetch(`${edgeUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(res.status, 404, path);
    }
    // The tenant upstream answers unrouted paths through its recorder: nothing reached it.
    assert.equal(tenantUpstream.received.length, seen);
  });

  it("sends a Connect GET (side-effect-free RPC) through with its query", async () => {
    const client = createClient(
      ProbeService,
      createConnectTransport({ baseUrl: edgeUrl, httpVersion: "1.1", useHttpGet: true }),
    );
    const res = await client.echo({ text: "via GET" });
    assert.equal(res.text, "via GET");
    assert.ok(access.some((e) => e.method === "GET" && e.path === "/atendo.edgetest.v1.ProbeService/Echo"));
  });

  describe("webhooks", () => {
    it("forwards a signed POST byte for byte with its headers and query, and relays the answer", async () => {
      const body = readFixture("whatsapp/two-text-messages.json");
      const signature = signMeta("edge-test-secret", body);
      const before = upstream.received.length;
      const res = await fetch(`${edgeUrl}/webhooks/whatsapp/0193a5b0-0000-7000-8000-000000000001?x=1`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": signature,
          "x-forwarded-for": "203.0.113.66",
        },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "EVENT_RECEIVED");
      assert.equal(res.headers.get("x-upstream"), "probe");
      const got = upstream.received[before];
      assert.ok(got, "the webhook reached the ingress upstream");
      assert.equal(got.method, "POST");
      assert.equal(got.url, "/webhooks/whatsapp/0193a5b0-0000-7000-8000-000000000001?x=1");
      assert.ok(got.body.equals(body), "the body arrives byte for byte");
      assert.equal(got.headers["x-hub-signature-256"], signature);
      assert.equal(signMeta("edge-test-secret", got.body), signature);
      assert.equal(
        got.headers["x-forwarded-for"],
        "127.0.0.1",
        "the client's own X-Forwarded-For is dropped",
      );
    });

    it("forwards webhooks that arrive over HTTP/2 too", async () => {
      const body = Buffer.from('{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[]}]}');
      const before = upstream.received.length;
      const res = await h2Request(edgeUrl, {
        method: "POST",
        path: "/webhooks/instagram/abc",
        headers: { "content-type": "application/json", "x-hub-signature-256": signMeta("s", body) },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "EVENT_RECEIVED");
      assert.ok(upstream.received[before]?.body.equals(body));
    });

    it("sends GETs of signed media URLs to ingress with their query (the signature)", async () => {
      const before = upstream.received.length;
      const path = "/media/0193a5b0-0000-7000-8000-000000000001?tenant=t&expires=1&signature=s";
      const res = await fetch(`${edgeUrl}${path}`);
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(upstream.received[before]?.url, path);
      assert.ok(access.some((e) => e.route === "media" && e.path.startsWith("/media/")));
    });

    it("passes the verify handshake's query to ingress and its challenge back", async () => {
      const res = await fetch(
        `${edgeUrl}/webhooks/whatsapp/abc?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444`,
      );
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "1158201444");
    });
  });

  describe("the tenant service's JWKS", () => {
    it("sends GET /.well-known/jwks.json to the tenant service and relays its key set", async () => {
      const seenTenant = tenantUpstream.received.length;
      const seenOther = upstream.received.length;
      const res = await fetch(`${edgeUrl}/.well-known/jwks.json`, {
        headers: { "x-forwarded-for": "203.0.113.66" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/jwk-set+json");
      const body = (await res.json()) as { keys: Array<{ kid: string }> };
      assert.deepEqual(
        body.keys.map((k) => k.kid),
        ["probe-key"],
      );
      const got = tenantUpstream.received[seenTenant];
      assert.equal(got?.method, "GET");
      assert.equal(got?.url, "/.well-known/jwks.json");
      assert.equal(got?.headers["x-forwarded-for"], "127.0.0.1");
      assert.equal(upstream.received.length, seenOther, "nothing else was asked");
      assert.ok(access.some((e) => e.path === "/.well-known/jwks.json" && e.route === "jwks"));
    });

    it("answers 404 for other well-known paths", async () => {
      const seen = tenantUpstream.received.length;
      const res = await fetch(`${edgeUrl}/.well-known/openid-configuration`);
      assert.equal(res.status, 404);
      assert.equal(tenantUpstream.received.length, seen);
    });
  });

  describe("X-Forwarded-For behind a trusted proxy", () => {
    let trustingEdge: Edge;
    let trustingUrl: string;
    before(async () => {
      // The test client plays the load balancer: its address (127.0.0.1) is the trusted proxy.
      trustingEdge = createEdge({ upstreams: { edgetest: upstream.url }, trustedProxies: ["127.0.0.1"] });
      trustingUrl = `http://127.0.0.1:${await trustingEdge.listen(0)}`;
    });
    after(() => trustingEdge?.close(500));

    const seenFor = async (xff: string | undefined): Promise<string> => {
      const client = createClient(ProbeService, createGrpcTransport({ baseUrl: trustingUrl }));
      const res = await client.echo(
        { text: "xff" },
        { headers: xff === undefined ? {} : { "x-forwarded-for": xff } },
      );
      return res.forwardedFor;
    };

    it("keeps the address the proxy appended, peeling the proxies' own addresses off the right", async () => {
      assert.equal(await seenFor("198.51.100.7"), "198.51.100.7");
      assert.equal(await seenFor("10.9.9.9, 198.51.100.7"), "10.9.9.9, 198.51.100.7");
      assert.equal(await seenFor("198.51.100.7, 127.0.0.1"), "198.51.100.7");
    });

    it("falls back to the proxy's own address when it sent none or garbage", async () => {
      assert.equal(await seenFor(undefined), "127.0.0.1");
      assert.equal(await seenFor("not-an-address"), "127.0.0.1");
    });

    it("still drops the X-Forwarded-For of a client that is not a trusted proxy", async () => {
      // The main edge trusts nobody: the same header is replaced by the socket address.
      const client = createClient(ProbeService, createGrpcTransport({ baseUrl: edgeUrl }));
      const res = await client.echo({ text: "xff" }, { headers: { "x-forwarded-for": "198.51.100.7" } });
      assert.equal(res.forwardedFor, "127.0.0.1");
    });
  });

  describe("body limits", () => {
    // Small limits, so the edge decides before the probe upstream (4 MiB) would.
    const LIMIT = 1024;
    const ECHO = "/atendo.edgetest.v1.ProbeService/Echo";
    let limited: Edge;
    let limitedUrl: string;
    before(async () => {
      limited = createEdge({
        upstreams: { edgetest: upstream.url, ingress: upstream.url },
        webhookMaxBodyBytes: LIMIT,
        rpcMaxMessageBytes: LIMIT,
        corsOrigins: [ORIGIN],
        clientStreamingPaths: new Set(["/atendo.edgetest.v1.ProbeService/Count"]),
      });
      limitedUrl = `http://127.0.0.1:${await limited.listen(0)}`;
    });
    after(() => limited?.close(500));

    const webhook = (body: NonNullable<RequestInit["body"]>, extra: RequestInit = {}) =>
      fetch(`${limitedUrl}/webhooks/whatsapp/abc`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body,
        ...extra,
      });

    it("passes a webhook of exactly the limit and answers 413 to one byte more, declared or streamed", async () => {
      const seen = upstream.received.length;
      assert.equal((await webhook(Buffer.alloc(LIMIT, 97))).status, 200);
      assert.equal(upstream.received.at(-1)?.body.length, LIMIT);
      const declared = await webhook(Buffer.alloc(LIMIT + 1, 97));
      assert.equal(declared.status, 413);
      assert.equal(await declared.text(), `request body is larger than ${LIMIT} bytes\n`);
      assert.equal(declared.headers.get("access-control-allow-origin"), ORIGIN, "CORS headers stay");
      const streamed = await webhook(new Blob([Buffer.alloc(LIMIT * 8, 97)]).stream(), { duplex: "half" });
      assert.equal(streamed.status, 413);
      const h2 = await h2Request(limitedUrl, {
        method: "POST",
        path: "/webhooks/whatsapp/abc",
        headers: { "content-type": "application/json" },
        body: Buffer.alloc(LIMIT + 1, 97),
      });
      assert.equal(h2.status, 413);
      assert.equal(upstream.received.length, seen + 1, "only the body within the limit reached the service");
    });

    it("reads and drops the rest of a refused HTTP/1.1 body: the client still sending reads 413, no reset", async () => {
      const { socket, received, closed } = rawConnection(Number(new URL(limitedUrl).port));
      try {
        socket.write(
          `POST /webhooks/whatsapp/abc HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT * 64}\r\n\r\n`,
        );
        // The answer comes before the body does.
        await waitFor(() => received().includes("request body is larger than"), { message: received });
        assert.match(received(), /^HTTP\/1\.1 413 /);
        // The client sends its body anyway, then another request on the same connection.
        socket.write(Buffer.alloc(LIMIT * 64, 97));
        socket.write("GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n");
        await waitFor(() => /HTTP\/1\.1 200 [\s\S]*ok\n$/.test(received()) || closed(), {
          message: received,
        });
        assert.equal(closed(), false, "the edge kept reading instead of closing on the client");
        assert.match(received(), /HTTP\/1\.1 200 [\s\S]*ok\n$/);
      } finally {
        socket.destroy();
      }
    });

    it("refuses an RPC message over the limit in each protocol (413 for Connect) and passes one within it", async () => {
      const over = { text: "x".repeat(LIMIT + 1) };
      for (const [name, transport] of [
        ["gRPC", createGrpcTransport({ baseUrl: limitedUrl })],
        ["gRPC-web", createGrpcWebTransport({ baseUrl: limitedUrl, httpVersion: "1.1" })],
        ["Connect JSON", createConnectTransport({ baseUrl: limitedUrl, httpVersion: "1.1" })],
        [
          "Connect binary h2",
          createConnectTransport({ baseUrl: limitedUrl, httpVersion: "2", useBinaryFormat: true }),
        ],
      ] as const) {
        const client = createClient(ProbeService, transport);
        const err = await client.echo(over).then(
          () => undefined,
          (e: unknown) => ConnectError.from(e),
        );
        assert.equal(err?.code, Code.ResourceExhausted, `${name}: ${err?.message}`);
        assert.equal((await client.echo({ text: "x".repeat(LIMIT - 16) })).text.length, LIMIT - 16, name);
      }
      const raw = await fetch(`${limitedUrl}${ECHO}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(over),
      });
      assert.equal(raw.status, 413);
      assert.equal(((await raw.json()) as { code: string }).code, "resource_exhausted");
    });

    it("lets an answer the service already started finish when the body goes over the limit later", async () => {
      // An upstream that answers at once and finishes its answer when the request ends.
      const early = createHttp2Server();
      early.on("stream", (stream) => {
        stream.respond({ ":status": 200, "content-type": "application/grpc-web+proto" });
        stream.write("first|");
        stream.on("data", () => undefined);
        stream.on("end", () => stream.end("last"));
      });
      await new Promise<void>((resolve) => early.listen(0, "127.0.0.1", resolve));
      const address = early.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const front = createEdge({
        upstreams: { edgetest: `http://127.0.0.1:${port}` },
        rpcMaxMessageBytes: LIMIT,
      });
      const { socket, received, closed } = rawConnection(await front.listen(0));
      try {
        socket.write(
          `POST ${ECHO} HTTP/1.1\r\nHost: edge\r\nContent-Type: application/grpc-web+proto\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        await waitFor(() => received().includes("first|"), { message: received });
        // Only now does the body go over the limit.
        const chunk = Buffer.alloc(LIMIT * 8, 97);
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write("\r\n0\r\n\r\n");
        await waitFor(() => received().includes("last") || closed(), { message: received });
        assert.match(received(), /^HTTP\/1\.1 200 /);
        assert.ok(received().includes("last"), `the service's answer was cut: ${received()}`);
        assert.equal(closed(), false, "the connection stays usable");
      } finally {
        socket.destroy();
        await front.close(500);
        await new Promise<void>((resolve) => early.close(() => resolve()));
      }
    });

    it("drops the rest of a body the service refused early, so the next request on the connection is served", async () => {
      // The service refuses at 1 KiB from the message's frame, long before the edge's 16 MiB: the
      // rest of the 8 MiB body must not wait forever for a service that stopped reading.
      const strict = await startProbeUpstream({ maxBodyBytes: LIMIT });
      const lenient = createEdge({
        upstreams: { edgetest: strict.url },
        rpcMaxMessageBytes: 16 * 1024 * 1024,
      });
      const { socket, received } = rawConnection(await lenient.listen(0));
      try {
        const frame = Buffer.alloc(5 + 8 * 1024 * 1024);
        frame.writeUInt32BE(8 * 1024 * 1024, 1);
        socket.write(
          `POST ${ECHO} HTTP/1.1\r\nHost: edge\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: ${frame.length}\r\n\r\n`,
        );
        socket.write(frame);
        // The next request on the same connection (HTTP/1.1 answers in order).
        socket.write("GET /healthz HTTP/1.1\r\nHost: edge\r\n\r\n");
        await waitFor(() => /\r\n\r\nok\n$/.test(received()), { timeoutMs: 20_000, message: received });
        assert.match(received(), /^HTTP\/1\.1 200 [\s\S]*grpc-status: 8/i, "the service's own refusal first");
      } finally {
        socket.destroy();
        await lenient.close(500);
        await strict.close();
      }
    });

    it("leaves the requests of client streams to the service's per-message limit", async () => {
      // Count is marked a client stream for this edge: its request passes whatever its size.
      const client = createClient(ProbeService, createGrpcTransport({ baseUrl: limitedUrl }));
      const got: number[] = [];
      for await (const m of client.count({ text: "x".repeat(LIMIT * 4), count: 2 })) got.push(m.index);
      assert.deepEqual(got, [0, 1]);
    });
  });

  describe("other paths", () => {
    it("answers GET /healthz", async () => {
      const res = await fetch(`${edgeUrl}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "ok\n");
    });

    it("answers 404 for unknown paths and unrouted domains without reaching a service", async () => {
      const seen = upstream.received.length;
      for (const path of [
        "/",
        "/nope",
        "/v1/tenants",
        "/atendo.unknown.v1.X/Y",
        "/grpc.health.v1.Health/Check",
      ]) {
        const res = await fetch(`${edgeUrl}${path}`, { method: "POST", body: "{}" });
        assert.equal(res.status, 404, path);
      }
      assert.equal(upstream.received.length, seen);
    });
  });

  describe("CORS", () => {
    it("answers a preflight from an allowed origin with the Connect and gRPC-web headers", async () => {
      const res = await fetch(`${edgeUrl}/atendo.edgetest.v1.ProbeService/Echo`, {
        method: "OPTIONS",
        headers: {
          origin: ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,connect-protocol-version,x-grpc-web",
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
      const allowHeaders = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
      for (const h of [
        "content-type",
        "connect-protocol-version",
        "x-grpc-web",
        "grpc-timeout",
        "authorization",
      ]) {
        assert.ok(allowHeaders.includes(h), `allow-headers has ${h}: ${allowHeaders}`);
      }
      assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
    });

    it("refuses a preflight from another origin", async () => {
      const res = await fetch(`${edgeUrl}/atendo.edgetest.v1.ProbeService/Echo`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    });

    it("exposes grpc-status and grpc-message on responses to an allowed origin", async () => {
      const client = createClient(
        ProbeService,
        createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "1.1" }),
      );
      let allowOrigin: string | null = null;
      let expose = "";
      await client.echo(
        { text: "cors" },
        {
          headers: { origin: ORIGIN },
          onHeader: (h) => {
            allowOrigin = h.get("access-control-allow-origin");
            expose = (h.get("access-control-expose-headers") ?? "").toLowerCase();
          },
        },
      );
      assert.equal(allowOrigin, ORIGIN);
      assert.ok(expose.includes("grpc-status") && expose.includes("grpc-message"), expose);
    });
  });
});
