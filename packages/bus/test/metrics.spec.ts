import assert from "node:assert/strict";
import { createMetricsRegistry, type MetricsRegistry } from "@atendo/telemetry";
import { TransientError } from "../src/index.js";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { sampleOf } from "./support/metrics.js";
import { PingedSchema } from "./support/schemas.js";
import { gate, waitFor } from "./support/wait-for.js";

describe("bus metrics (real NATS)", () => {
  let registry: MetricsRegistry;
  let t: TestBus;
  let stream: string;

  beforeEach(async () => {
    registry = createMetricsRegistry({ service: "bus-test" });
    t = await openTestBus({ metrics: registry });
    await t.bus.ensureStream({ domain: "bustest" });
    stream = t.bus.streamFor("bustest");
  });
  afterEach(async () => {
    await t.cleanup();
    await registry.shutdown();
  });

  const sample = (name: string, attributes: Record<string, string>) => sampleOf(registry, name, attributes);

  it("records into the registry it is given", () => {
    assert.equal(t.bus.metrics, registry);
  });

  it("counts publishes by stream, subject and outcome", async () => {
    const subject = t.bus.subjectFor(PingedSchema);
    const event = pinged("once");
    await t.bus.publish(PingedSchema, event);
    await t.bus.publish(PingedSchema, pinged("twice"));
    // Same event id: the stream drops it as a duplicate.
    assert.equal((await t.bus.publish(PingedSchema, event)).duplicate, true);
    await t.jsm.streams.delete(stream);
    await assert.rejects(t.bus.publish(PingedSchema, pinged("nowhere")), /publish to .* failed/);

    const labels = { stream, subject };
    assert.equal(await sample("atendo.bus.published", { ...labels, outcome: "ok" }), 2);
    assert.equal(await sample("atendo.bus.published", { ...labels, outcome: "duplicate" }), 1);
    assert.equal(await sample("atendo.bus.published", { ...labels, outcome: "error" }), 1);
  });

  it("counts a nak, the redelivery it causes and the final ack", async () => {
    const consumer = await t.bus.consume({
      durable: "flaky",
      schema: PingedSchema,
      handler: (_event, ctx) => {
        if (ctx.deliveryCount === 1) throw new TransientError("try again", { delayMs: 50 });
      },
    });
    await t.bus.publish(PingedSchema, pinged("flaky"));
    const labels = { stream, durable: "flaky" };
    await waitFor(
      "the ack",
      async () => (await sample("atendo.bus.consumed", { ...labels, outcome: "ack" })) === 1,
    );
    await consumer.stop();

    assert.equal(await sample("atendo.bus.consumed", { ...labels, outcome: "nak" }), 1);
    assert.equal(await sample("atendo.bus.redelivered", labels), 1);
    assert.equal(await sample("atendo.bus.consumed", { ...labels, outcome: "term" }), undefined);
    assert.equal(await sample("atendo.bus.dead_lettered", labels), undefined);
  });

  it("counts the dead letter and the term of an event that failed its last delivery", async () => {
    const consumer = await t.bus.consume({
      durable: "doomed",
      schema: PingedSchema,
      maxDeliver: 2,
      backoffMs: { initial: 50, max: 50 },
      handler: () => {
        throw new Error("database unavailable");
      },
    });
    await t.bus.publish(PingedSchema, pinged("doomed"));
    const labels = { stream, durable: "doomed" };
    await waitFor(
      "the term",
      async () => (await sample("atendo.bus.consumed", { ...labels, outcome: "term" })) === 1,
    );
    await consumer.stop();

    assert.equal((await t.deadLetters(stream, "doomed")).length, 1);
    assert.equal(await sample("atendo.bus.dead_lettered", labels), 1);
    assert.equal(await sample("atendo.bus.consumed", { ...labels, outcome: "nak" }), 1);
    assert.equal(await sample("atendo.bus.redelivered", labels), 1);
    assert.equal(await sample("atendo.bus.consumed", { ...labels, outcome: "ack" }), undefined);
  });

  it("reports each durable consumer's lag as the server counts it, until the consumer stops", async () => {
    const held = gate();
    let started = 0;
    const consumer = await t.bus.consume({
      durable: "slow",
      schema: PingedSchema,
      concurrency: 1,
      handler: async (_event, ctx) => {
        started++;
        await Promise.race([
          held.promise,
          new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
        ]);
      },
    });
    for (const text of ["a", "b", "c", "d"]) await t.bus.publish(PingedSchema, pinged(text));
    const labels = { stream, durable: "slow" };
    // One event in the only handler slot, three waiting on the server.
    await waitFor("the lag of three", async () => {
      const pending = await sample("atendo.bus.consumer.pending", labels);
      const ackPending = await sample("atendo.bus.consumer.ack_pending", labels);
      return pending === 3 && ackPending === 1;
    });
    assert.equal(started, 1);

    held.open();
    await waitFor("the lag to drain", async () => {
      const pending = await sample("atendo.bus.consumer.pending", labels);
      const ackPending = await sample("atendo.bus.consumer.ack_pending", labels);
      return pending === 0 && ackPending === 0;
    });
    assert.equal(await sample("atendo.bus.consumed", { ...labels, outcome: "ack" }), 4);

    await consumer.stop();
    assert.equal(await sample("atendo.bus.consumer.pending", labels), undefined);
  });
});
