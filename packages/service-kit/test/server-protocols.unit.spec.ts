import assert from "node:assert/strict";
import type { Transport } from "@connectrpc/connect";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { EchoService } from "./support/echo-service.js";
import { http1, http2 } from "./support/raw-http.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";

describe("server: one port for every protocol", () => {
  let s: EchoServer;
  before(async () => {
    s = await startEchoServer();
  });
  after(() => s.server.close());

  const transports: Array<[string, (baseUrl: string) => Transport, RegExp]> = [
    ["gRPC over h2c", (baseUrl) => createGrpcTransport({ baseUrl }), /^application\/grpc(\+proto)?$/],
    [
      "gRPC-web over HTTP/1.1",
      (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
      /^application\/grpc-web\+proto$/,
    ],
    [
      "Connect over HTTP/1.1",
      (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
      /^application\/proto$/,
    ],
    [
      "Connect over h2c",
      (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2" }),
      /^application\/proto$/,
    ],
    [
      "Connect JSON over HTTP/1.1",
      (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false }),
      /^application\/json$/,
    ],
  ];

  for (const [name, makeTransport, contentType] of transports) {
    it(`serves unary and server-streaming calls to a ${name} client`, async () => {
      const client = createClient(EchoService, makeTransport(s.baseUrl));
      const res = await client.echo({ text: `hello ${name}` });
      assert.equal(res.text, `hello ${name}`);
      assert.match(res.contentType, contentType);

      const ticks: string[] = [];
      for await (const tick of client.ticks({ text: "tick" })) ticks.push(tick.text);
      assert.deepEqual(ticks, ["tick"]);
    });
  }

  it("answers plain HTTP/1.1 and h2c requests on the same port", async () => {
    const h1 = await http1(s.port, { path: "/healthz" });
    const h2 = await http2(s.port, { path: "/healthz" });
    assert.deepEqual([h1.status, h1.body.toString()], [200, "ok"]);
    assert.deepEqual([h2.status, h2.body.toString()], [200, "ok"]);
  });

  it("answers 404 to paths that are neither RPCs nor routes", async () => {
    const res = await http1(s.port, { path: "/nothing-here" });
    assert.equal(res.status, 404);
    const rpc = await http1(s.port, {
      method: "POST",
      path: "/kittest.v1.NoSuchService/Echo",
      headers: { "content-type": "application/json" },
      body: Buffer.from("{}"),
    });
    assert.equal(rpc.status, 404);
  });

  it("refuses request messages over maxBodyBytes with resource_exhausted", async () => {
    const small = await startEchoServer({ maxBodyBytes: 1024 });
    try {
      const client = createClient(EchoService, createGrpcTransport({ baseUrl: small.baseUrl }));
      assert.equal((await client.echo({ text: "a".repeat(1000) })).text.length, 1000);
      await assert.rejects(client.echo({ text: "a".repeat(2000) }), (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.ResourceExhausted);
        return true;
      });
    } finally {
      await small.server.close();
    }
  });

  it("drops connections that never send a byte", async () => {
    const { connect } = await import("node:net");
    const quick = await startEchoServer({ idleConnectTimeoutMs: 50 });
    try {
      const socket = connect(quick.port, "127.0.0.1");
      const closed = await new Promise<boolean>((resolve) => {
        socket.on("close", () => resolve(true));
        socket.on("error", () => {});
      });
      assert.equal(closed, true);
    } finally {
      await quick.server.close();
    }
  });
});
