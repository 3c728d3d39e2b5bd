import assert from "node:assert/strict";
import { context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import type { Telemetry } from "../src/index.js";
import { createLogger, REDACTED, startTelemetry, withContext } from "../src/index.js";
import { createLineSink } from "./line-sink.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

describe("createLogger", () => {
  it("writes one JSON object per line with service, level label, ISO time and message", () => {
    const sink = createLineSink();
    const logger = createLogger({ service: "ingress", destination: sink });
    logger.info({ count: 2 }, "accepted");
    logger.debug("hidden at the default level");

    assert.equal(sink.raw.length, 1);
    assert.ok(sink.raw[0]?.endsWith("\n"), "a line ends with a newline");
    const line = sink.last();
    assert.equal(line.service, "ingress");
    assert.equal(line.level, "info");
    assert.equal(line.msg, "accepted");
    assert.equal(line.count, 2);
    assert.equal(typeof line.time, "string");
    assert.equal(new Date(String(line.time)).toISOString(), line.time);
    assert.equal(line.trace_id, undefined, "no trace outside a span");
  });

  it("honours the level option and rejects an unknown level with a clear error", () => {
    const sink = createLineSink();
    createLogger({ service: "ai", level: "debug", destination: sink }).debug("visible");
    assert.equal(sink.last().level, "debug");
    assert.throws(() => createLogger({ service: "ai", level: "loud" as "info" }), /invalid log level "loud"/);
  });

  it("withContext adds tenant_id, correlation_id and event_id, leaving out what is not given", () => {
    const sink = createLineSink();
    const logger = createLogger({ service: "conversation", destination: sink });
    withContext(logger, { tenantId: "t-1", correlationId: "c-9", eventId: "e-3" }).info("handled");
    const full = sink.last();
    assert.equal(full.tenant_id, "t-1");
    assert.equal(full.correlation_id, "c-9");
    assert.equal(full.event_id, "e-3");

    withContext(logger, { tenantId: "t-2" }).warn("partial");
    const partial = sink.last();
    assert.equal(partial.tenant_id, "t-2");
    assert.equal(partial.level, "warn");
    assert.ok(!("correlation_id" in partial));
    assert.ok(!("event_id" in partial));
  });

  describe("inside a trace", () => {
    let telemetry: Telemetry | undefined;
    before(() => {
      telemetry = startTelemetry({ service: "ingress", exporter: "none" });
    });
    after(async () => {
      await telemetry?.shutdown();
    });

    it("carries the active span's trace_id and span_id, across awaits", async () => {
      const sink = createLineSink();
      const logger = withContext(createLogger({ service: "ingress", destination: sink }), {
        tenantId: "t-1",
        correlationId: "c-1",
      });
      // An incoming W3C traceparent, as a webhook or an RPC would carry it.
      const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
      await context.with(incoming, async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        logger.info("in the request");
      });
      logger.info("after the request");

      const [inside, outside] = sink.records();
      assert.equal(inside?.trace_id, TRACE_ID);
      assert.equal(inside?.span_id, SPAN_ID);
      assert.equal(inside?.tenant_id, "t-1");
      assert.equal(inside?.correlation_id, "c-1");
      assert.equal(inside?.service, "ingress");
      assert.equal(outside?.trace_id, undefined);
    });
  });

  describe("redaction", () => {
    it("replaces secrets at any depth and in arrays, keeping everything else", () => {
      const sink = createLineSink();
      const logger = createLogger({ service: "tenant", destination: sink });
      const logged = {
        password: "hunter2",
        channel: { id: "ch-1", access_token: "EAAG-secret", app_secret: "s3cr3t", verify_token: "vt" },
        req: {
          headers: { Authorization: "Bearer abc", cookie: "sid=1", "x-api-key": "ak_1", accept: "*/*" },
        },
        deep: { a: { b: { c: { clientSecret: "cs", refreshToken: "rt", apiKey: "k" } } } },
        list: [{ token: "t1", name: "first" }],
        tokenCount: 3,
      };
      logger.info(logged, "configured");

      const line = sink.last();
      const expected = {
        password: REDACTED,
        channel: { id: "ch-1", access_token: REDACTED, app_secret: REDACTED, verify_token: REDACTED },
        req: { headers: { Authorization: REDACTED, cookie: REDACTED, "x-api-key": REDACTED, accept: "*/*" } },
        deep: { a: { b: { c: { clientSecret: REDACTED, refreshToken: REDACTED, apiKey: REDACTED } } } },
        list: [{ token: REDACTED, name: "first" }],
        tokenCount: 3,
      };
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(line[key], value, key);
      assert.ok(!sink.raw[0]?.includes("EAAG-secret"));
      assert.equal(logged.channel.access_token, "EAAG-secret", "the caller's object is not mutated");
    });

    it("redacts child bindings, error properties and extra configured keys", () => {
      const sink = createLineSink();
      const logger = createLogger({ service: "delivery", destination: sink, redactKeys: ["phone"] });
      const child = logger.child({ channel: { app_secret: "in-binding" } });
      const err = Object.assign(new Error("graph call failed"), {
        headers: { authorization: "Bearer in-error" },
      });
      child.error({ err, to: { phone: "+5511987654321" } }, "send failed");

      const raw = sink.raw.join("");
      for (const secret of ["in-binding", "in-error", "5511987654321"]) {
        assert.ok(!raw.includes(secret), `${secret} must not be logged`);
      }
      const line = sink.last();
      assert.deepEqual(line.channel, { app_secret: REDACTED });
      const loggedErr = line.err as Record<string, unknown>;
      assert.equal(loggedErr.message, "graph call failed");
      assert.equal(loggedErr.type, "Error");
      assert.deepEqual(loggedErr.headers, { authorization: REDACTED });
      assert.deepEqual(line.to, { phone: REDACTED });
    });
  });
});
