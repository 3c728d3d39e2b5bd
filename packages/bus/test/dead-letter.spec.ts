import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { jetstream } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { PermanentError } from "../src/index.js";
import { memoryLogger, openTestBus, pinged, type TestBus } from "./support/harness.js";
import { holdsFor } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("dead letters (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("records a PermanentError with its reason and the original payload, then terminates", async () => {
    let calls = 0;
    const consumer = await t.bus.consume({
      durable: "permanent",
      schema: PingedSchema,
      maxDeliver: 5,
      handler: () => {
        calls++;
        throw new PermanentError("recipient phone number is invalid");
      },
    });
    const event = pinged("bad", "tenant-9");
    const before = Date.now();
    const ack = await t.bus.publish(PingedSchema, event);
    await waitFor(async () => (await t.deadLetters(consumer.stream, "permanent")).length === 1, {
      message: "the dead letter",
    });
    const [dl] = await t.deadLetters(consumer.stream, "permanent");
    assert.ok(dl);
    const original = await t.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    assert.ok(original);
    assert.equal(dl.stream, consumer.stream);
    assert.equal(dl.consumer, "permanent");
    assert.equal(dl.subject, `${t.namespace}.atendo.bustest.v1.pinged`);
    assert.deepEqual(dl.payload, original.data);
    assert.equal(fromBinary(PingedSchema, dl.payload).text, "bad");
    assert.equal(dl.reason, "recipient phone number is invalid");
    assert.equal(dl.deliveryCount, 1);
    assert.equal(dl.eventId, event.meta?.eventId);
    assert.equal(dl.tenantId, "tenant-9");
    assert.equal(dl.headers["atendo-event-type"], "atendo.bustest.v1.Pinged");
    assert.ok(dl.failedAt && timestampDate(dl.failedAt).getTime() >= before - 1000);
    // Terminated: not redelivered although maxDeliver allows it.
    await holdsFor("a single delivery", () => calls === 1, 500);
    const info = await t.jsm.consumers.info(consumer.stream, "permanent");
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_redelivered, 0);
    await consumer.stop();
  });

  it("dead-letters a payload that does not decode, without calling the handler", async () => {
    let calls = 0;
    const consumer = await t.bus.consume({
      durable: "garbage",
      schema: PingedSchema,
      handler: () => {
        calls++;
      },
    });
    const js = jetstream(t.nc);
    const h = natsHeaders();
    h.set("atendo-event-type", "atendo.bustest.v1.Pinged");
    // A truncated varint: not a valid protobuf message.
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff]);
    await js.publish(`${t.namespace}.atendo.bustest.v1.pinged`, garbage, { headers: h, msgID: "garbage-1" });
    await waitFor(async () => (await t.deadLetters(consumer.stream, "garbage")).length === 1, {
      message: "the dead letter",
    });
    const [dl] = await t.deadLetters(consumer.stream, "garbage");
    await consumer.stop();
    assert.ok(dl);
    assert.match(dl.reason, /^cannot decode atendo\.bustest\.v1\.Pinged: /);
    assert.deepEqual(dl.payload, garbage);
    assert.equal(dl.eventId, "");
    assert.equal(calls, 0);
  });

  it("dead-letters an event without meta", async () => {
    const consumer = await t.bus.consume({ durable: "nometa", schema: PingedSchema, handler: () => {} });
    const js = jetstream(t.nc);
    await js.publish(`${t.namespace}.atendo.bustest.v1.pinged`, new Uint8Array([0x12, 0x01, 0x78]), {
      msgID: "nometa-1",
    });
    await waitFor(async () => (await t.deadLetters(consumer.stream, "nometa")).length === 1, {
      message: "the dead letter",
    });
    const [dl] = await t.deadLetters(consumer.stream, "nometa");
    await consumer.stop();
    assert.equal(dl?.reason, "atendo.bustest.v1.Pinged has no meta.event_id");
  });

  it("never terminates an event whose dead letter could not be written", async () => {
    let calls = 0;
    const { logger, lines } = memoryLogger();
    const consumer = await t.bus.consume({
      durable: "nodlq",
      schema: PingedSchema,
      logger,
      backoffMs: { initial: 200, max: 200 },
      handler: () => {
        calls++;
        throw new PermanentError("rejected by the channel");
      },
    });
    // The dead-letter stream disappears (an operator mistake, an outage).
    await t.jsm.streams.delete(t.bus.streamFor("deadletter"));
    await t.bus.publish(PingedSchema, pinged("kept"));
    await waitFor(() => lines.some((l) => l.msg === "dead letter could not be written; event handed back"), {
      message: "the dead letter to fail",
    });
    await t.bus.ensureStream({ domain: "deadletter" });
    await waitFor(
      async () => {
        return (await t.deadLetters(consumer.stream, "nodlq")).length === 1;
      },
      { message: "the dead letter once the stream is back" },
    );
    await consumer.stop();
    const [dl] = await t.deadLetters(consumer.stream, "nodlq");
    assert.equal(dl?.reason, "rejected by the channel");
    assert.ok(calls >= 2, `handler ran ${calls} times; the event was not handed back`);
  });
});
