import assert from "node:assert/strict";
import type { DataPoint, MetricData } from "@opentelemetry/sdk-metrics";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { createMetrics } from "../src/index.js";

interface Harness {
  provider: MeterProvider;
  collect(): Promise<MetricData[]>;
}

function createHarness(): Harness {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  // Delta: each collection holds only what was recorded or observed since the previous one.
  // A long interval: collections happen only when the test flushes.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    },
  };
}

function metric(all: MetricData[], name: string): MetricData {
  const found = all.find((m) => m.descriptor.name === name);
  if (found === undefined) throw new Error(`metric ${name} was not collected`);
  return found;
}

function point<T>(m: MetricData, attrs: Record<string, string>): DataPoint<T> {
  const points = m.dataPoints as DataPoint<T>[];
  const found = points.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
  if (found === undefined) throw new Error(`no data point with ${JSON.stringify(attrs)}`);
  return found;
}

describe("createMetrics", () => {
  let harness: Harness;
  beforeEach(() => {
    harness = createHarness();
  });
  afterEach(async () => {
    await harness.provider.shutdown();
  });

  it("counts handled events by type and outcome", async () => {
    const m = createMetrics("conversation", harness.provider);
    m.recordEvent("atendo.ingress.v1.message_received", "ok");
    m.recordEvent("atendo.ingress.v1.message_received", "ok");
    m.recordEvent("atendo.ingress.v1.message_received", "duplicate");
    m.recordEvent("atendo.ai.v1.reply_generated", "dead_letter");

    const handled = metric(await harness.collect(), "atendo.events.handled");
    const type = "atendo.ingress.v1.message_received";
    assert.equal(point<number>(handled, { "event.type": type, outcome: "ok" }).value, 2);
    assert.equal(point<number>(handled, { "event.type": type, outcome: "duplicate" }).value, 1);
    assert.equal(
      point<number>(handled, { "event.type": "atendo.ai.v1.reply_generated", outcome: "dead_letter" }).value,
      1,
    );
  });

  it("reads queue depths at each collection until the callback is removed", async () => {
    const m = createMetrics("ingress", harness.provider);
    let queued = 3;
    const stopOutbox = m.observeDepth("webhook_events.queued", () => queued);
    m.observeDepth("redis.buffer", async () => 7);

    let depth = metric(await harness.collect(), "atendo.queue.depth");
    assert.equal(point<number>(depth, { queue: "webhook_events.queued" }).value, 3);
    assert.equal(point<number>(depth, { queue: "redis.buffer" }).value, 7);

    queued = 0;
    depth = metric(await harness.collect(), "atendo.queue.depth");
    assert.equal(point<number>(depth, { queue: "webhook_events.queued" }).value, 0);

    stopOutbox();
    depth = metric(await harness.collect(), "atendo.queue.depth");
    assert.throws(() => point<number>(depth, { queue: "webhook_events.queued" }), /no data point/);
    assert.equal(point<number>(depth, { queue: "redis.buffer" }).value, 7);
  });
});
