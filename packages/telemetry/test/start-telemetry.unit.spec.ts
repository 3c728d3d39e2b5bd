import assert from "node:assert/strict";
import { context, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import type { Telemetry } from "../src/index.js";
import { createLogger, createMetrics, startTelemetry } from "../src/index.js";
import { createLineSink } from "./line-sink.js";
import type { OtlpReceiver } from "./otlp-receiver.js";
import { startOtlpReceiver } from "./otlp-receiver.js";

/** Runs fn while keeping what is written to stdout, which is where the console exporter prints. */
async function captureStdout(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join("");
}

describe("startTelemetry", () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it("console: records spans whose trace id shows in log lines and on the console", async () => {
    const memory = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor({ exporter: memory });
    const sink = createLineSink();
    const logger = createLogger({ service: "ingress", destination: sink });
    const recorded: ReadableSpan[] = [];
    let traceId = "";
    let spanId = "";
    const printed = await captureStdout(async () => {
      telemetry = startTelemetry({
        service: "ingress",
        version: "1.2.3",
        exporter: "console",
        spanProcessors: [processor],
      });
      const tracer = trace.getTracer("test");
      await tracer.startActiveSpan("webhook.accept", async (span) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        logger.info("accepted");
        traceId = span.spanContext().traceId;
        spanId = span.spanContext().spanId;
        span.end();
      });
      await processor.forceFlush();
      assert.equal(memory.getFinishedSpans()[0]?.name, "webhook.accept");
      // The in-memory exporter forgets its spans on shutdown; keep them for the assertions below.
      recorded.push(...memory.getFinishedSpans());
      await telemetry.shutdown();
    });

    const line = sink.last();
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.equal(line.trace_id, traceId);
    assert.equal(line.span_id, spanId);
    const [span] = recorded;
    assert.equal(span?.spanContext().traceId, traceId);
    assert.equal(span?.resource.attributes["service.name"], "ingress");
    assert.equal(span?.resource.attributes["service.version"], "1.2.3");
    assert.ok(printed.includes(traceId), "the console exporter printed the span");
    assert.ok(printed.includes("webhook.accept"));
  });

  it("none: propagates W3C trace context without recording spans", async () => {
    telemetry = startTelemetry({ service: "delivery", exporter: "none" });
    assert.deepEqual(propagation.fields().sort(), ["traceparent", "tracestate"]);

    const span = trace.getTracer("test").startSpan("local");
    assert.equal(span.isRecording(), false, "spans are no-ops locally");
    span.end();

    const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const carrier: Record<string, string> = {};
    const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: parent });
    await context.with(incoming, async () => {
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      propagation.inject(context.active(), carrier);
    });
    assert.equal(carrier.traceparent, parent, "the context survived an await and was injected again");
  });

  describe("otlp", () => {
    let receiver: OtlpReceiver | undefined;
    afterEach(async () => {
      await receiver?.close();
    });

    it("exports spans and metrics to the endpoint and flushes them on shutdown", async () => {
      receiver = await startOtlpReceiver();
      telemetry = startTelemetry({
        service: "conversation",
        exporter: "otlp",
        otlpEndpoint: `${receiver.url}/`,
      });
      const metrics = createMetrics("conversation");
      metrics.recordEvent("atendo.ingress.v1.message_received", "ok");
      const span = trace.getTracer("test").startSpan("turn.flush");
      const { traceId } = span.spanContext();
      span.end();
      assert.equal(receiver.requests.length, 0, "batched, not sent yet");

      await telemetry.shutdown();

      const traces = receiver.requests.find((r) => r.path === "/v1/traces");
      const metricsPost = receiver.requests.find((r) => r.path === "/v1/metrics");
      assert.ok(traces, "spans were flushed to /v1/traces");
      assert.ok(traces.body.includes(traceId));
      assert.ok(traces.body.includes("turn.flush"));
      assert.ok(traces.body.includes("conversation"));
      assert.ok(metricsPost, "metrics were flushed to /v1/metrics");
      assert.ok(metricsPost.body.includes("atendo.events.handled"));
    });
  });

  it("shutdown is idempotent, unregisters the globals and allows a new start", async () => {
    const first = startTelemetry({ service: "ai", exporter: "none" });
    assert.throws(
      () => startTelemetry({ service: "ai", exporter: "none" }),
      /already started/,
      "a second live handle is refused instead of silently ignored",
    );
    await Promise.all([first.shutdown(), first.shutdown()]);
    assert.deepEqual(propagation.fields(), []);
    assert.equal(trace.getSpan(context.active()), undefined);

    const memory = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor({ exporter: memory });
    telemetry = startTelemetry({ service: "ai", exporter: "none", spanProcessors: [processor] });
    trace.getTracer("test").startSpan("again").end();
    await processor.forceFlush();
    assert.equal(memory.getFinishedSpans()[0]?.name, "again");
  });

  it("rejects an unknown exporter with a clear error", () => {
    assert.throws(
      () => startTelemetry({ service: "ai", exporter: "jaeger" as "otlp" }),
      /invalid telemetry exporter "jaeger": use one of none, console, otlp/,
    );
  });
});
