import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  CORRELATION_HEADER,
  createServer,
  createServiceClient,
  forwardCallOptions,
  withCorrelationId,
} from "../src/index.js";
import { EchoResponseSchema, EchoService } from "./support/echo-service.js";
import { createLogSink } from "./support/log-sink.js";
import { type EchoServer, startEchoServer } from "./support/start-echo-server.js";

describe("createServiceClient", () => {
  let back: EchoServer;
  before(async () => {
    back = await startEchoServer();
  });
  after(() => back.server.close());

  it("calls over gRPC on h2c and forwards the correlation id from the call options", async () => {
    const client = createServiceClient(EchoService, back.baseUrl);
    const res = await client.echo({ text: "hi" }, withCorrelationId("evt-7"));
    assert.equal(res.text, "hi");
    assert.equal(res.correlationId, "evt-7");
    assert.match(res.contentType, /^application\/grpc/);
  });

  it("applies a default deadline", async () => {
    const client = createServiceClient(EchoService, back.baseUrl, { timeoutMs: 100 });
    await assert.rejects(client.echo({ text: "held", mode: "gate" }), (e: unknown) => {
      assert.equal(ConnectError.from(e).code, Code.DeadlineExceeded);
      return true;
    });
  });

  it("runs the caller's interceptors", async () => {
    const sent: Array<string | null> = [];
    const client = createServiceClient(EchoService, back.baseUrl, {
      interceptors: [
        (next) => (req) => {
          sent.push(req.header.get(CORRELATION_HEADER));
          return next(req);
        },
      ],
    });
    await client.echo({ text: "x" }, withCorrelationId("evt-8"));
    assert.deepEqual(sent, ["evt-8"]);
  });

  it("forwardCallOptions carries the incoming call's correlation id, signal and deadline", async () => {
    const backClient = createServiceClient(EchoService, back.baseUrl);
    const { logger } = createLogSink();
    const seenTimeouts: Array<number | undefined> = [];
    const front = createServer({
      service: "front",
      logger,
      routes: (router) =>
        router.service(EchoService, {
          async echo(req, ctx) {
            const options = forwardCallOptions(ctx);
            seenTimeouts.push(options.timeoutMs);
            const res = await backClient.echo(req, options);
            return create(EchoResponseSchema, {
              text: `front:${res.text}`,
              correlationId: res.correlationId,
            });
          },
        }),
    });
    const port = await front.listen(0);
    try {
      const client = createServiceClient(EchoService, `http://127.0.0.1:${port}`, { timeoutMs: 5000 });
      const res = await client.echo({ text: "chain" }, withCorrelationId("evt-9"));
      assert.deepEqual([res.text, res.correlationId], ["front:chain", "evt-9"]);
      const forwarded = seenTimeouts[0];
      assert.ok(forwarded !== undefined && forwarded > 0 && forwarded <= 5000, String(forwarded));

      // Cancelling the incoming call cancels the forwarded one.
      const waitingBefore = back.gate.waiting;
      const controller = new AbortController();
      const pending = client.echo(
        { text: "held", mode: "gate" },
        withCorrelationId("evt-10", { signal: controller.signal }),
      );
      await waitFor(() => back.gate.waiting === waitingBefore + 1, {
        message: "the forwarded call to reach the back",
      });
      controller.abort();
      await assert.rejects(pending, (e: unknown) => ConnectError.from(e).code === Code.Canceled);
      await waitFor(() => back.lines.some((l) => l.correlation_id === "evt-10" && l.code === "canceled"), {
        message: "the back to see its call cancelled",
      });
    } finally {
      await front.close();
    }
  });
});
