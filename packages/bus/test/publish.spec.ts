import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CORRELATION_ID_HEADER, EVENT_TYPE_HEADER, newEventMeta, TENANT_ID_HEADER } from "../src/index.js";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { type Pinged, PingedSchema } from "./support/schemas.js";

describe("publish (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("stores the protobuf payload with msgID = event id and the atendo headers", async () => {
    const event = pinged("hello", "tenant-42");
    const ack = await t.bus.publish(PingedSchema, event);
    assert.equal(ack.duplicate, false);
    assert.equal(ack.stream, t.bus.streamFor("bustest"));
    const stored = await t.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    assert.ok(stored);
    assert.equal(stored.subject, `${t.namespace}.atendo.bustest.v1.pinged`);
    const decoded: Pinged = fromBinary(PingedSchema, stored.data);
    assert.equal(decoded.text, "hello");
    assert.equal(decoded.meta?.eventId, event.meta?.eventId);
    assert.equal(stored.header.get("Nats-Msg-Id"), event.meta?.eventId);
    assert.equal(stored.header.get(EVENT_TYPE_HEADER), "atendo.bustest.v1.Pinged");
    assert.equal(stored.header.get(TENANT_ID_HEADER), "tenant-42");
    assert.equal(stored.header.get(CORRELATION_ID_HEADER), "corr-hello");
  });

  it("sends a caller's extra headers, but the bus's own (and the msgID) win on a clash", async () => {
    const event = pinged("extra", "tenant-9");
    const ack = await t.bus.publish(PingedSchema, event, {
      headers: {
        "x-extra": "kept",
        [EVENT_TYPE_HEADER]: "forged.Type",
        [TENANT_ID_HEADER]: "tenant-forged",
        "Nats-Msg-Id": "forged-id",
      },
    });
    const stored = await t.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    assert.ok(stored);
    assert.equal(stored.header.get("x-extra"), "kept");
    assert.deepEqual(stored.header.values(EVENT_TYPE_HEADER), ["atendo.bustest.v1.Pinged"]);
    assert.deepEqual(stored.header.values(TENANT_ID_HEADER), ["tenant-9"]);
    assert.deepEqual(stored.header.values("Nats-Msg-Id"), [event.meta?.eventId]);
  });

  it("sends the bytes a caller encoded already (data) as they are, with the event's own headers", async () => {
    const event = pinged("measured", "tenant-7");
    // Bytes that differ from the event's own encoding show which of the two went out.
    const data = toBinary(PingedSchema, { ...event, text: "as measured" });
    const ack = await t.bus.publish(PingedSchema, event, { data });
    const stored = await t.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    assert.ok(stored);
    assert.equal(fromBinary(PingedSchema, stored.data).text, "as measured");
    assert.equal(stored.header.get("Nats-Msg-Id"), event.meta?.eventId);
    assert.equal(stored.header.get(TENANT_ID_HEADER), "tenant-7");
  });

  it("drops a repeated msgID within the window and delivers it once", async () => {
    const first = await t.bus.publish(PingedSchema, pinged("a"), { msgId: "wamid.same" });
    const second = await t.bus.publish(PingedSchema, pinged("b"), { msgId: "wamid.same" });
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);

    const seen: string[] = [];
    const consumer = await t.bus.consume({
      durable: "dedupe",
      schema: PingedSchema,
      handler: (event) => {
        seen.push(event.text);
      },
    });
    const third = await t.bus.publish(PingedSchema, pinged("c"));
    await waitFor(() => seen.includes("c"), { message: "the next event" });
    await consumer.stop();
    assert.deepEqual(seen, ["a", "c"]);
    const info = await t.jsm.streams.info(first.stream);
    assert.equal(info.state.messages, 2);
    assert.equal(third.seq, first.seq + 1);
  });

  it("encodes an event for later and republishes the same bytes under the same msgID", async () => {
    const event = pinged("stored", "tenant-7");
    const encoded = t.bus.encode(PingedSchema, event, { msgId: "derived-1" });
    assert.equal(encoded.subject, `${t.namespace}.atendo.bustest.v1.pinged`);
    assert.equal(encoded.eventType, "atendo.bustest.v1.Pinged");
    assert.equal(encoded.msgId, "derived-1");
    const first = await t.bus.publishEncoded(encoded);
    const again = await t.bus.publishEncoded(encoded);
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    const stored = await t.jsm.streams.getMessage(first.stream, { seq: first.seq });
    assert.ok(stored);
    assert.equal(fromBinary(PingedSchema, stored.data).text, "stored");
    assert.equal(stored.header.get("Nats-Msg-Id"), "derived-1");
    assert.equal(stored.header.get(TENANT_ID_HEADER), "tenant-7");
    assert.equal(stored.header.get(EVENT_TYPE_HEADER), "atendo.bustest.v1.Pinged");
  });

  it("refuses an event without meta or event id, with a clear message", async () => {
    await assert.rejects(
      t.bus.publish(PingedSchema, create(PingedSchema, { text: "x" })),
      /cannot publish atendo.bustest.v1.Pinged: meta is missing/,
    );
    const meta = newEventMeta({ tenantId: "t", workspaceId: "w", correlationId: "c" });
    meta.eventId = "";
    await assert.rejects(
      t.bus.publish(PingedSchema, create(PingedSchema, { meta, text: "x" })),
      /meta.event_id is empty/,
    );
  });

  it("names the missing stream when nothing captures the subject", async () => {
    const other = await openTestBus({ apiTimeoutMs: 1_000 });
    try {
      await assert.rejects(
        other.bus.publish(PingedSchema, pinged("lost")),
        /ensureStream\(\{ domain: "bustest" \}\)/,
      );
    } finally {
      await other.cleanup();
    }
  });
});
