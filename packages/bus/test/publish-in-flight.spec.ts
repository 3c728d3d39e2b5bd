import assert from "node:assert/strict";
import type { Msg } from "@nats-io/nats-core";
import { createInFlightLimit } from "../src/in-flight-limit.js";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { PingedSchema } from "./support/schemas.js";

describe("publishes waiting for their acknowledgement are bounded (real NATS)", () => {
  let t: TestBus | undefined;

  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("sends at most maxPublishesInFlight publishes before their acks, the others as acks come", async () => {
    const tb = await openTestBus({ maxPublishesInFlight: 3 });
    t = tb;
    // No stream on the subject: this subscriber answers each publish as JetStream would, when the
    // test says so, and sees exactly what the bus has sent.
    const subject = tb.bus.subjectFor(PingedSchema);
    const received: Msg[] = [];
    const sub = tb.nc.subscribe(subject, { callback: (_err, msg) => void received.push(msg) });
    await tb.nc.flush(); // subscribed on the server before the first publish
    let seq = 0;
    const ack = (msg: Msg | undefined) => msg?.respond(JSON.stringify({ stream: "FAKE", seq: ++seq }));
    const sentNow = async () => {
      // Every publish the bus wrote is on the server once its ping returns, and with this
      // subscriber once a flush of this connection returns.
      await tb.bus.ping();
      await tb.nc.flush();
      return received.length;
    };

    const publishes = Array.from({ length: 10 }, (_, i) => tb.bus.publish(PingedSchema, pinged(`p${i}`)));
    let answered = 0;
    while (answered < publishes.length) {
      const sent = await sentNow();
      assert.equal(sent, Math.min(answered + 3, publishes.length), `in flight after ${answered} acks`);
      ack(received[answered]);
      // The ack is on the server (and on its way to the bus) before the bus is pinged again.
      await tb.nc.flush();
      answered++;
    }
    const acks = await Promise.all(publishes);
    assert.deepEqual(
      acks.map((a) => a.seq),
      Array.from({ length: 10 }, (_, i) => i + 1),
      "sent in the order they were made",
    );
    sub.unsubscribe();
  });

  it("passes a slot on when a publish fails, so failures never leak capacity", async () => {
    const limit = createInFlightLimit(2);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        limit.run(async () => {
          if (i % 2 === 0) throw new Error(`failed ${i}`);
          return i;
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["rejected", "fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"],
    );
    assert.deepEqual(limit.usage(), { running: 0, waiting: 0 });
    assert.throws(() => createInFlightLimit(0), RangeError);
  });
});
