import assert from "node:assert/strict";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@atendo/proto/health/v1";
import { waitFor } from "@atendo/testing";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EchoService } from "./support/echo-service.js";
import { http1 } from "./support/raw-http.js";
import { startEchoServer } from "./support/start-echo-server.js";

describe("server: grpc.health.v1.Health", () => {
  it("reports SERVING for the server and each routed service, NOT_FOUND for others", async () => {
    const s = await startEchoServer();
    try {
      const health = createClient(Health, createGrpcTransport({ baseUrl: s.baseUrl }));
      assert.equal((await health.check({ service: "" })).status, ServingStatus.SERVING);
      assert.equal((await health.check({ service: "kittest.v1.EchoService" })).status, ServingStatus.SERVING);
      assert.equal((await health.check({ service: "grpc.health.v1.Health" })).status, ServingStatus.SERVING);
      await assert.rejects(health.check({ service: "nope.v1.Nope" }), (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.NotFound);
        return true;
      });
      const list = await health.list({});
      assert.equal(list.statuses["kittest.v1.EchoService"]?.status, ServingStatus.SERVING);
    } finally {
      await s.server.close();
    }
  });

  it("Watch sends the current status, then each change of that service", async () => {
    const s = await startEchoServer();
    try {
      const health = createClient(Health, createGrpcTransport({ baseUrl: s.baseUrl }));
      const controller = new AbortController();
      const seen: ServingStatus[] = [];
      const watching = (async () => {
        for await (const res of health.watch(
          { service: "kittest.v1.EchoService" },
          { signal: controller.signal },
        )) {
          seen.push(res.status);
        }
      })().catch((e: unknown) => {
        if (ConnectError.from(e).code !== Code.Canceled) throw e;
      });
      await waitFor(() => seen.length === 1, { message: "the first status" });
      s.server.health.set("", ServingStatus.NOT_SERVING); // another service: no message
      s.server.health.set("kittest.v1.EchoService", ServingStatus.NOT_SERVING);
      await waitFor(() => seen.length === 2, { message: "the change" });
      s.server.health.set("kittest.v1.EchoService", ServingStatus.SERVING);
      await waitFor(() => seen.length === 3, { message: "the change back" });
      assert.deepEqual(seen, [ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING]);
      controller.abort();
      await watching;

      const unknown: ServingStatus[] = [];
      const ctl2 = new AbortController();
      const watchingUnknown = (async () => {
        for await (const res of health.watch({ service: "later.v1.Later" }, { signal: ctl2.signal })) {
          unknown.push(res.status);
        }
      })().catch(() => {});
      await waitFor(() => unknown.length === 1, { message: "SERVICE_UNKNOWN" });
      s.server.health.set("later.v1.Later", ServingStatus.SERVING);
      await waitFor(() => unknown.length === 2, { message: "the service becoming known" });
      assert.deepEqual(unknown, [ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
      ctl2.abort();
      await watchingUnknown;
    } finally {
      await s.server.close();
    }
  });

  it("close(): NOT_SERVING first, requests in flight finish, streams end, new connections are refused", async () => {
    const s = await startEchoServer();
    const transport = createGrpcTransport({ baseUrl: s.baseUrl });
    const health = createClient(Health, transport);
    const echo = createClient(EchoService, transport);

    const watched: ServingStatus[] = [];
    let watchEnd: ConnectError | "ok" | undefined;
    const watching = (async () => {
      try {
        for await (const res of health.watch({ service: "" })) watched.push(res.status);
        watchEnd = "ok";
      } catch (e) {
        watchEnd = ConnectError.from(e);
      }
    })();
    await waitFor(() => watched.length === 1, { message: "the watch to start" });
    assert.equal(watched[0], ServingStatus.SERVING);

    const inFlight = echo.echo({ text: "held", mode: "gate" });
    await waitFor(() => s.gate.waiting === 1, { message: "the request to be in flight" });

    const closing = s.server.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });

    await waitFor(() => watched.length === 2, { message: "NOT_SERVING on the watch" });
    assert.equal(watched[1], ServingStatus.NOT_SERVING);
    // Still closing: the held request keeps it open, and Check (in process) says NOT_SERVING.
    const local = createClient(Health, s.server.transport());
    assert.equal((await local.check({ service: "" })).status, ServingStatus.NOT_SERVING);
    assert.equal(
      (await local.check({ service: "kittest.v1.EchoService" })).status,
      ServingStatus.NOT_SERVING,
    );
    assert.equal(closed, false);

    s.gate.open();
    assert.equal((await inFlight).text, "held");
    await closing;
    await watching;
    // The watch ends cleanly (gRPC health clients then retry elsewhere with backoff).
    assert.equal(watchEnd, "ok");
    await assert.rejects(http1(s.port, { path: "/healthz" }), /ECONNREFUSED/);
  });

  it("close(): an HTTP/1.1 request in flight finishes and its connection is closed after it", async () => {
    const s = await startEchoServer();
    const pending = http1(s.port, {
      method: "POST",
      path: "/kittest.v1.EchoService/Echo",
      headers: { "content-type": "application/json", connection: "keep-alive" },
      body: Buffer.from(JSON.stringify({ text: "over http/1.1", mode: "gate" })),
    });
    await waitFor(() => s.gate.waiting === 1, { message: "the request to be in flight" });
    const closing = s.server.close();
    s.gate.open();
    const res = await pending;
    await closing;
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.body.toString()) as { text: string }).text, "over http/1.1");
    assert.equal(res.headers.connection, "close");
  });

  it("close() aborts requests still running after the grace period with unavailable", async () => {
    const s = await startEchoServer({ shutdownGraceMs: 100 });
    const echo = createClient(EchoService, createGrpcTransport({ baseUrl: s.baseUrl }));
    const stuck = echo.echo({ text: "never released", mode: "gate" }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    await waitFor(() => s.gate.waiting === 1, { message: "the request to be in flight" });
    await s.server.close();
    const err = await stuck;
    assert.ok(err instanceof ConnectError, "the request must fail");
    assert.equal(err.code, Code.Unavailable);
    assert.match(err.rawMessage, /shutting down/);
    assert.ok(s.lines.some((l) => l.msg.startsWith("shutdown grace period over")));
  });
});
