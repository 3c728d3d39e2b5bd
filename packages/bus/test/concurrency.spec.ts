import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { gate, holdsFor } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("concurrency (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("never runs more handlers at once than the limit", async () => {
    for (let i = 0; i < 12; i++) await t.bus.publish(PingedSchema, pinged(`c${i}`));
    const waiting: Array<() => void> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const done = new Set<string>();
    const consumer = await t.bus.consume({
      durable: "bounded",
      schema: PingedSchema,
      concurrency: 3,
      handler: async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const release = gate();
        waiting.push(release.open);
        await release.promise;
        inFlight--;
        done.add(event.text);
      },
    });
    await waitFor(() => inFlight === 3, { message: "three handlers busy" });
    await holdsFor("at most three handlers", () => inFlight <= 3, 300);
    const info = await t.jsm.consumers.info(consumer.stream, "bounded");
    assert.equal(info.num_ack_pending, 3, "only the running events are out of the server");
    // Free one slot at a time: each freed slot is refilled, never overfilled.
    while (done.size < 12) {
      const next = waiting.shift();
      if (next === undefined) {
        await waitFor(() => waiting.length > 0 || done.size === 12, { message: "a waiting handler" });
        continue;
      }
      const before = done.size;
      next();
      await waitFor(() => done.size > before, { message: "the released handler to finish" });
      await waitFor(() => inFlight === Math.min(3, 12 - done.size), { message: "the slot to be refilled" });
    }
    await consumer.stop();
    assert.equal(maxInFlight, 3);
  });
});
