import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { gate, holdsFor } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("stop and restart (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("stop() aborts the signal and waits for the in-flight handler, which is then acked", async () => {
    const release = gate();
    let started = false;
    let sawAbort = false;
    let finished = false;
    const consumer = await t.bus.consume({
      durable: "graceful",
      schema: PingedSchema,
      handler: async (_event, ctx) => {
        started = true;
        await release.promise;
        sawAbort = ctx.signal.aborted;
        finished = true;
      },
    });
    const ack = await t.bus.publish(PingedSchema, pinged("in-flight"));
    await waitFor(() => started, { message: "the handler to start" });
    let stopped = false;
    const stopping = consumer.stop().then(() => {
      stopped = true;
    });
    await holdsFor("stop() to wait for the handler", () => !stopped, 400);
    release.open();
    await stopping;
    assert.equal(finished, true);
    assert.equal(sawAbort, true);
    const info = await t.jsm.consumers.info(consumer.stream, "graceful");
    assert.equal(info.ack_floor.stream_seq, ack.seq, "acked before stop() returned");
    assert.equal(info.num_ack_pending, 0);
  });

  it("hands an interrupted event back at once so another consumer takes it", async () => {
    let started = false;
    const first = await t.bus.consume({
      durable: "handback",
      schema: PingedSchema,
      backoffMs: { initial: 60_000, max: 60_000 },
      handler: async (_event, ctx) => {
        started = true;
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        throw new Error("aborted");
      },
    });
    const event = pinged("handback");
    await t.bus.publish(PingedSchema, event);
    await waitFor(() => started, { message: "the handler to start" });
    await first.stop();

    const takenOver: number[] = [];
    const second = await (await t.reopen()).consume({
      durable: "handback",
      schema: PingedSchema,
      handler: (_e, ctx) => {
        takenOver.push(ctx.deliveryCount);
      },
    });
    // Far sooner than the 60 s backoff of a failure or the 30 s ack wait.
    await waitFor(() => takenOver.length === 1, {
      message: "the second consumer to take it",
      timeoutMs: 5_000,
    });
    await second.stop();
    // The count is the server's business (2.9 does not count a delivery to a pull request nobody listens to).
    assert.equal(takenOver.length, 1);
    assert.deepEqual(await t.deadLetters(second.stream, "handback"), []);
  });

  it("a consumer restarted with the same durable continues where it left off", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const event = pinged(`r${i}`);
      ids.push(event.meta?.eventId ?? "");
      await t.bus.publish(PingedSchema, event);
    }
    const handledByFirst: string[] = [];
    const fifthRunning = gate();
    const release = gate();
    const first = await t.bus.consume({
      durable: "restart",
      schema: PingedSchema,
      concurrency: 1,
      ackWaitMs: 1_500,
      handler: async (_event, ctx) => {
        handledByFirst.push(ctx.meta.eventId);
        if (handledByFirst.length === 5) {
          fifthRunning.open();
          await release.promise;
        }
      },
    });
    // Stop in the middle of the stream, with the fifth event in flight.
    await fifthRunning.promise;
    const stopping = first.stop();
    release.open();
    await stopping;
    const countAtStop = handledByFirst.length;
    assert.equal(countAtStop, 5);

    for (let i = 10; i < 20; i++) {
      const event = pinged(`r${i}`);
      ids.push(event.meta?.eventId ?? "");
      await t.bus.publish(PingedSchema, event);
    }
    // A new process: its own connection, the same durable.
    const restarted = await t.reopen();
    const handledBySecond: string[] = [];
    const second = await restarted.consume({
      durable: "restart",
      schema: PingedSchema,
      concurrency: 1,
      ackWaitMs: 1_500,
      handler: (_event, ctx) => {
        handledBySecond.push(ctx.meta.eventId);
      },
    });
    await waitFor(() => handledByFirst.length + handledBySecond.length >= 20, {
      message: "every event handled",
      timeoutMs: 15_000,
    });
    await second.stop();
    assert.equal(handledByFirst.length, countAtStop, "nothing handled after stop() returned");
    const all = [...handledByFirst, ...handledBySecond];
    assert.equal(new Set(all).size, all.length, "an event was handled twice");
    assert.deepEqual([...all].sort(), [...ids].sort());
    assert.deepEqual(handledByFirst, ids.slice(0, 5));
    assert.deepEqual(handledBySecond, ids.slice(5), "the second consumer continues in order after the fifth");
  });
});
