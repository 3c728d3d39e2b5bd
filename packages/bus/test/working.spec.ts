import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { gate, holdsFor } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("long handlers (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("working() keeps a handler longer than ackWait from being redelivered", async () => {
    const release = gate();
    const deliveries: number[] = [];
    let aborted = false;
    const consumer = await t.bus.consume({
      durable: "long",
      schema: PingedSchema,
      ackWaitMs: 1_000,
      handler: async (_event, ctx) => {
        deliveries.push(ctx.deliveryCount);
        const beat = setInterval(() => ctx.working(), 250);
        try {
          await release.promise;
        } finally {
          clearInterval(beat);
        }
        aborted = ctx.signal.aborted;
      },
    });
    const ack = await t.bus.publish(PingedSchema, pinged("slow"));
    await waitFor(() => deliveries.length === 1, { message: "the handler to start" });
    // Two and a half ack waits.
    await holdsFor("a single delivery", () => deliveries.length === 1, 2_500);
    release.open();
    await waitFor(
      async () => {
        const info = await t.jsm.consumers.info(consumer.stream, "long");
        return info.ack_floor.stream_seq === ack.seq && info.num_ack_pending === 0;
      },
      { message: "the ack" },
    );
    const info = await t.jsm.consumers.info(consumer.stream, "long");
    await consumer.stop();
    assert.deepEqual(deliveries, [1]);
    assert.equal(info.num_redelivered, 0);
    assert.equal(aborted, false);
  });

  it("without working(), aborts the handler's signal when ackWait passes and the event is redelivered", async () => {
    const reasons: string[] = [];
    const deliveries: number[] = [];
    const consumer = await t.bus.consume({
      durable: "lease",
      schema: PingedSchema,
      ackWaitMs: 800,
      concurrency: 2,
      handler: async (_event, ctx) => {
        deliveries.push(ctx.deliveryCount);
        if (ctx.deliveryCount > 1) return;
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        reasons.push(String(ctx.signal.reason));
        throw new Error("gave up after losing the lease");
      },
    });
    const ack = await t.bus.publish(PingedSchema, pinged("stuck"));
    // The server's ack wait starts before the handler's lease timer: the redelivery may be acked first.
    await waitFor(
      async () => {
        const info = await t.jsm.consumers.info(consumer.stream, "lease");
        return info.ack_floor.stream_seq === ack.seq && info.num_ack_pending === 0 && reasons.length === 1;
      },
      { message: "the redelivery to be acked and the first handler to lose its lease" },
    );
    await consumer.stop();
    assert.deepEqual(deliveries, [1, 2]);
    assert.match(reasons[0] ?? "", /ack wait of 800 ms passed without working\(\)/);
  });
});
