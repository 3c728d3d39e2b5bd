import assert from "node:assert/strict";
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CORRELATION_HEADER, unauthenticated } from "../src/index.js";
import { SECRET_DETAIL } from "./support/echo-impl.js";
import { EchoService } from "./support/echo-service.js";
import { LEVEL } from "./support/log-sink.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to fail");
}

describe("server: interceptors", () => {
  let s: EchoServer;
  beforeEach(async () => {
    s = await startEchoServer();
  });
  afterEach(() => s.server.close());

  describe("error mapping", () => {
    it("answers an unknown error with internal and a reference, never its message", async () => {
      const client = createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl }));
      const err = await failure(client.echo({ text: "x", mode: "boom" }));
      assert.equal(err.code, Code.Internal);
      const ref = /^internal error \(ref ([0-9a-f]{12})\)$/.exec(err.rawMessage)?.[1];
      assert.ok(ref, `message was ${err.rawMessage}`);
      assert.ok(!JSON.stringify(err).includes("users"));
      assert.ok(!err.message.includes(SECRET_DETAIL));

      const logged = s.lines.find((l) => l.ref === ref);
      assert.ok(logged, "the cause is logged under the reference");
      assert.equal(logged.level, LEVEL.error);
      assert.equal(logged.rpc, "kittest.v1.EchoService/Echo");
      assert.match(JSON.stringify(logged.err), /relation \\"users\\"/);
    });

    it("maps an error thrown in the middle of a stream the same way", async () => {
      const client = createClient(
        EchoService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
      );
      const got: string[] = [];
      const err = await failure(
        (async () => {
          for await (const tick of client.ticks({ text: "first", mode: "boom" })) got.push(tick.text);
        })(),
      );
      assert.deepEqual(got, ["first"]);
      assert.equal(err.code, Code.Internal);
      assert.match(err.rawMessage, /^internal error \(ref [0-9a-f]{12}\)$/);
      assert.ok(!err.rawMessage.includes("users"));
    });

    it("passes ConnectErrors through with their code and message", async () => {
      const client = createClient(
        EchoService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "2" }),
      );
      const err = await failure(client.echo({ text: "c-42", mode: "missing" }));
      assert.equal(err.code, Code.NotFound);
      assert.equal(err.rawMessage, "contact c-42 not found");
    });
  });

  describe("correlation id", () => {
    it("echoes the caller's id and hands it to the handler", async () => {
      const client = createClient(
        EchoService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
      );
      let header: string | null = null;
      const res = await client.echo(
        { text: "x" },
        {
          headers: { [CORRELATION_HEADER]: "wh-evt-123" },
          onHeader: (h) => (header = h.get(CORRELATION_HEADER)),
        },
      );
      assert.equal(res.correlationId, "wh-evt-123");
      assert.equal(header, "wh-evt-123");
    });

    it("creates one when absent (or unusable) and echoes it", async () => {
      const client = createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl }));
      for (const sent of [undefined, "has spaces & symbols", "x".repeat(129)]) {
        let header: string | null = null;
        const res = await client.echo(
          { text: "x" },
          {
            headers: sent === undefined ? {} : { [CORRELATION_HEADER]: sent },
            onHeader: (h) => (header = h.get(CORRELATION_HEADER)),
          },
        );
        assert.match(res.correlationId, UUID);
        assert.equal(header, res.correlationId);
      }
    });

    it("echoes it on errors too", async () => {
      const client = createClient(
        EchoService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
      );
      const err = await failure(
        client.echo({ text: "x", mode: "missing" }, { headers: { [CORRELATION_HEADER]: "c-1" } }),
      );
      assert.equal(err.metadata.get(CORRELATION_HEADER), "c-1");
    });
  });

  describe("logging", () => {
    it("logs one line per RPC: debug on success, info for caller errors, error for server faults", async () => {
      const client = createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl }));
      await client.echo({ text: "ok" }, { headers: { [CORRELATION_HEADER]: "log-1" } });
      await failure(
        client.echo({ text: "x", mode: "missing" }, { headers: { [CORRELATION_HEADER]: "log-2" } }),
      );
      await failure(client.echo({ text: "x", mode: "boom" }, { headers: { [CORRELATION_HEADER]: "log-3" } }));
      for await (const _ of client.ticks({ text: "t" }, { headers: { [CORRELATION_HEADER]: "log-4" } })) {
        // drain
      }
      const rpcLines = (id: string) =>
        s.lines.filter((l) => l.correlation_id === id && l.msg.startsWith("rpc"));

      const ok = rpcLines("log-1");
      assert.equal(ok.length, 1);
      assert.equal(ok[0]?.level, LEVEL.debug);
      assert.equal(ok[0]?.code, "ok");
      assert.equal(ok[0]?.rpc, "kittest.v1.EchoService/Echo");
      assert.equal(typeof ok[0]?.duration_ms, "number");

      const notFound = rpcLines("log-2");
      assert.deepEqual(
        notFound.map((l) => [l.level, l.code]),
        [[LEVEL.info, "not_found"]],
      );
      const internal = rpcLines("log-3");
      assert.deepEqual(
        internal.map((l) => [l.level, l.code]),
        [[LEVEL.error, "internal"]],
      );
      const stream = rpcLines("log-4");
      assert.deepEqual(
        stream.map((l) => [l.level, l.code, l.rpc]),
        [[LEVEL.debug, "ok", "kittest.v1.EchoService/Ticks"]],
      );
    });
  });

  describe("protovalidate", () => {
    it("rejects an invalid request with invalid_argument naming the field", async () => {
      const client = createClient(
        EchoService,
        createConnectTransport({ baseUrl: s.baseUrl, httpVersion: "1.1" }),
      );
      const err = await failure(client.echo({ text: "" }));
      assert.equal(err.code, Code.InvalidArgument);
      assert.match(err.rawMessage, /^text: /);
      assert.match(err.rawMessage, /string\.min_len/);
      const streamErr = await failure(
        (async () => {
          for await (const _ of client.ticks({ text: "" })) {
            // no message expected
          }
        })(),
      );
      assert.equal(streamErr.code, Code.InvalidArgument);
    });
  });

  describe("in-memory transport", () => {
    it("runs the same routes and interceptors without a port", async () => {
      const client = createClient(EchoService, s.server.transport());
      const ok = await client.echo({ text: "local" }, { headers: { [CORRELATION_HEADER]: "mem-1" } });
      assert.deepEqual([ok.text, ok.correlationId], ["local", "mem-1"]);
      assert.equal((await failure(client.echo({ text: "" }))).code, Code.InvalidArgument);
      const internal = await failure(client.echo({ text: "x", mode: "boom" }));
      assert.equal(internal.code, Code.Internal);
      assert.ok(!internal.rawMessage.includes("users"));
    });
  });

  describe("service interceptors", () => {
    it("run after error mapping and before validation", async () => {
      const seen: string[] = [];
      const auth: Interceptor = (next) => async (req) => {
        const token = req.header.get("authorization");
        if (token === null) throw unauthenticated("missing bearer token");
        if (token === "Bearer crash") throw new Error(`token store exploded: ${SECRET_DETAIL}`);
        seen.push(token);
        return next(req);
      };
      const guarded = await startEchoServer({ interceptors: [auth] });
      try {
        const client = createClient(EchoService, createGrpcTransport({ baseUrl: guarded.baseUrl }));
        // Invalid and unauthenticated: authentication answers first.
        const noToken = await failure(client.echo({ text: "" }));
        assert.equal(noToken.code, Code.Unauthenticated);
        const crash = await failure(
          client.echo({ text: "x" }, { headers: { authorization: "Bearer crash" } }),
        );
        assert.equal(crash.code, Code.Internal);
        assert.ok(!crash.rawMessage.includes("users"));
        const invalid = await failure(client.echo({ text: "" }, { headers: { authorization: "Bearer ok" } }));
        assert.equal(invalid.code, Code.InvalidArgument);
        assert.equal(
          (await client.echo({ text: "y" }, { headers: { authorization: "Bearer ok" } })).text,
          "y",
        );
        assert.deepEqual(seen, ["Bearer ok", "Bearer ok"]);
      } finally {
        await guarded.server.close();
      }
    });
  });
});
