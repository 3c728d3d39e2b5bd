import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { fromBinary } from "@bufbuild/protobuf";
import { TransientError } from "../src/index.js";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { gate } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("retries (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("redelivers after a failure with the backoff delay, then acks", async () => {
    const deliveries: Array<{ n: number; at: number }> = [];
    const consumer = await t.bus.consume({
      durable: "retry",
      schema: PingedSchema,
      maxDeliver: 5,
      backoffMs: { initial: 300, max: 5_000 },
      handler: (_event, ctx) => {
        deliveries.push({ n: ctx.deliveryCount, at: Date.now() });
        // An unknown error counts as transient; a TransientError may set its own delay.
        if (ctx.deliveryCount === 1) throw new Error("database unavailable");
        if (ctx.deliveryCount === 2) throw new TransientError("rate limited", { delayMs: 500 });
      },
    });
    const ack = await t.bus.publish(PingedSchema, pinged("retry-me"));
    await waitFor(
      async () => {
        const info = await t.jsm.consumers.info(consumer.stream, "retry");
        return info.ack_floor.stream_seq === ack.seq && info.num_ack_pending === 0;
      },
      { message: "the third delivery to be acked" },
    );
    await consumer.stop();
    assert.deepEqual(
      deliveries.map((d) => d.n),
      [1, 2, 3],
    );
    const [d1, d2, d3] = deliveries;
    assert.ok(d1 && d2 && d3);
    // 300 ms backoff with up to 20% jitter, then the error's own 500 ms.
    assert.ok(d2.at - d1.at >= 240, `second delivery came after ${d2.at - d1.at} ms`);
    assert.ok(d3.at - d2.at >= 490, `third delivery came after ${d3.at - d2.at} ms`);
    assert.deepEqual(await t.deadLetters(consumer.stream, "retry"), []);
  });

  it("dead-letters the event when the last allowed delivery fails", async () => {
    let calls = 0;
    const consumer = await t.bus.consume({
      durable: "exhaust",
      schema: PingedSchema,
      maxDeliver: 3,
      backoffMs: { initial: 50, max: 100 },
      handler: () => {
        calls++;
        throw new Error("database unavailable");
      },
    });
    const event = pinged("doomed");
    await t.bus.publish(PingedSchema, event);
    await waitFor(async () => (await t.deadLetters(consumer.stream, "exhaust")).length === 1, {
      message: "the dead letter",
    });
    const info = await t.jsm.consumers.info(consumer.stream, "exhaust");
    await consumer.stop();
    assert.equal(calls, 3);
    assert.equal(info.num_ack_pending, 0);
    const [dl] = await t.deadLetters(consumer.stream, "exhaust");
    assert.ok(dl);
    assert.equal(dl.deliveryCount, 3);
    assert.equal(dl.reason, "failed on delivery 3 of 3: database unavailable");
    assert.equal(dl.eventId, event.meta?.eventId);
  });

  it("dead-letters an event whose last delivery never settles (hung handler or dead process)", async () => {
    const release = gate();
    const deliveries: number[] = [];
    const consumer = await t.bus.consume({
      durable: "hung",
      schema: PingedSchema,
      maxDeliver: 1,
      ackWaitMs: 500,
      handler: async (_event, ctx) => {
        deliveries.push(ctx.deliveryCount);
        // Ignores its signal, like a handler stuck in a call without a timeout.
        await release.promise;
      },
    });
    const event = pinged("hung");
    await t.bus.publish(PingedSchema, event);
    await waitFor(
      async () => {
        return (await t.deadLetters(consumer.stream, "hung")).length === 1;
      },
      { message: "the dead letter from the advisory" },
    );
    release.open();
    await consumer.stop();
    const [dl] = await t.deadLetters(consumer.stream, "hung");
    assert.ok(dl);
    assert.match(dl.reason, /^no outcome after 1 deliveries/);
    assert.equal(dl.eventId, event.meta?.eventId);
    assert.equal(fromBinary(PingedSchema, dl.payload).text, "hung");
    assert.deepEqual(deliveries, [1]);
  });
});
