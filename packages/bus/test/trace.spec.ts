import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { PingedSchema } from "./support/schemas.js";

describe("trace context (real NATS)", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let manager: AsyncLocalStorageContextManager;
  let t: TestBus;

  beforeEach(async () => {
    // What the telemetry SDK installs in a service; removed again after each test.
    manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    exporter.reset();
    t = await openTestBus({
      tracer: provider.getTracer("bus-test"),
      propagator: new W3CTraceContextPropagator(),
    });
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
    context.disable();
  });

  it("carries the publisher's trace into the handler through message headers", async () => {
    const incoming = trace.wrapSpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
    });
    const ack = await context.with(trace.setSpan(ROOT_CONTEXT, incoming), () =>
      t.bus.publish(PingedSchema, pinged("traced")),
    );
    const stored = await t.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    assert.match(
      stored?.header.get("traceparent") ?? "",
      /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
    );

    let handlerSpan: { traceId: string; spanId: string } | undefined;
    const consumer = await t.bus.consume({
      durable: "traced",
      schema: PingedSchema,
      handler: () => {
        const active = trace.getActiveSpan()?.spanContext();
        if (active) handlerSpan = { traceId: active.traceId, spanId: active.spanId };
      },
    });
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.kind === SpanKind.CONSUMER), {
      message: "the consumer span",
    });
    await consumer.stop();

    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const process = spans.find((s) => s.kind === SpanKind.CONSUMER);
    assert.ok(producer && process);
    assert.equal(producer.name, `send ${t.namespace}.atendo.bustest.v1.pinged`);
    assert.equal(producer.parentSpanContext?.spanId, "b7ad6b7169203331");
    assert.equal(process.spanContext().traceId, "0af7651916cd43dd8448eb211c80319c");
    assert.equal(process.parentSpanContext?.spanId, producer.spanContext().spanId);
    assert.equal(process.attributes["messaging.consumer.group.name"], "traced");
    assert.deepEqual(handlerSpan, {
      traceId: process.spanContext().traceId,
      spanId: process.spanContext().spanId,
    });
  });
});
