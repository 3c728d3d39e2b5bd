import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { newEventMeta, TENANT_ID_HEADER } from "../src/index.js";
import { memoryLogger, openTestBus, pinged, type TestBus } from "./support/harness.js";
import { NotAnEventSchema, PingedSchema, PongedSchema, SkippedSchema } from "./support/schemas.js";

describe("consume (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("hands the decoded event and its context to the handler, then acks", async () => {
    const { logger, lines } = memoryLogger();
    const event = pinged("hi", "tenant-7");
    const ack = await t.bus.publish(PingedSchema, event);
    const seen: Array<{ text: string; eventId: string; deliveryCount: number; tenant: string | undefined }> =
      [];
    const consumer = await t.bus.consume({
      domain: "bustest",
      durable: "ack",
      schema: PingedSchema,
      logger,
      handler: (e, ctx) => {
        seen.push({
          text: e.text,
          eventId: ctx.meta.eventId,
          deliveryCount: ctx.deliveryCount,
          tenant: ctx.headers[TENANT_ID_HEADER],
        });
        assert.equal(ctx.subject, `${t.namespace}.atendo.bustest.v1.pinged`);
        assert.equal(ctx.streamSequence, ack.seq);
        assert.equal(ctx.signal.aborted, false);
        ctx.logger.info({}, "handled");
      },
    });
    await waitFor(
      async () => {
        const info = await t.jsm.consumers.info(consumer.stream, "ack");
        return info.ack_floor.stream_seq === ack.seq && info.num_ack_pending === 0;
      },
      { message: "the event to be acked" },
    );
    await consumer.stop();
    assert.deepEqual(seen, [
      { text: "hi", eventId: event.meta?.eventId, deliveryCount: 1, tenant: "tenant-7" },
    ]);
    const handled = lines.find((l) => l.msg === "handled");
    assert.ok(handled, "handler log line missing");
    assert.equal(handled.tenant_id, "tenant-7");
    assert.equal(handled.correlation_id, "corr-hi");
    assert.equal(handled.event_id, event.meta?.eventId);
    assert.equal(handled.durable, "ack");
  });

  it("provisions a durable pull consumer with explicit ack, max_deliver and ack_wait", async () => {
    const consumer = await t.bus.consume({
      durable: "provisioned",
      schema: PingedSchema,
      maxDeliver: 4,
      ackWaitMs: 7_000,
      handler: () => {},
    });
    const info = await t.jsm.consumers.info(consumer.stream, "provisioned");
    assert.equal(info.config.durable_name, "provisioned");
    assert.equal(info.config.ack_policy, "explicit");
    assert.equal(info.config.max_deliver, 4);
    assert.equal(info.config.ack_wait, 7_000_000_000);
    assert.equal(info.config.filter_subject, `${t.namespace}.atendo.bustest.v1.pinged`);
    assert.equal(info.config.deliver_subject, undefined);
    await consumer.stop();

    // Same durable with new settings: updated in place, not duplicated.
    const again = await t.bus.consume({
      durable: "provisioned",
      schema: PingedSchema,
      maxDeliver: 6,
      ackWaitMs: 9_000,
      handler: () => {},
    });
    const updated = await t.jsm.consumers.info(again.stream, "provisioned");
    assert.equal(updated.config.max_deliver, 6);
    assert.equal(updated.config.ack_wait, 9_000_000_000);
    assert.equal(updated.created, info.created);
    await again.stop();

    // A second event type widens the filter to the domain.
    const widened = await t.bus.consume({
      durable: "provisioned",
      schema: [PingedSchema, PongedSchema],
      maxDeliver: 6,
      ackWaitMs: 9_000,
      handler: () => {},
    });
    const wide = await t.jsm.consumers.info(widened.stream, "provisioned");
    assert.equal(wide.config.filter_subject, `${t.namespace}.atendo.bustest.v1.>`);
    await widened.stop();
  });

  it("handles several event types of a domain and acks the others unseen", async () => {
    const seen: string[] = [];
    const consumer = await t.bus.consume({
      durable: "multi",
      schema: [PingedSchema, PongedSchema],
      handler: (event) => {
        seen.push(`${event.$typeName}:${event.text}`);
      },
    });
    const meta = () => newEventMeta({ tenantId: "t", workspaceId: "w", correlationId: "c" });
    await t.bus.publish(PingedSchema, create(PingedSchema, { meta: meta(), text: "1" }));
    await t.bus.publish(SkippedSchema, create(SkippedSchema, { meta: meta(), text: "2" }));
    const last = await t.bus.publish(PongedSchema, create(PongedSchema, { meta: meta(), text: "3" }));
    await waitFor(
      async () => {
        const info = await t.jsm.consumers.info(consumer.stream, "multi");
        return info.ack_floor.stream_seq === last.seq && info.num_ack_pending === 0;
      },
      { message: "all three settled" },
    );
    await consumer.stop();
    assert.deepEqual(seen, ["atendo.bustest.v1.Pinged:1", "atendo.bustest.v1.Ponged:3"]);
  });

  it("creates the stream when the consumer starts before its owner", async () => {
    const other = await openTestBus();
    try {
      const consumer = await other.bus.consume({ durable: "early", schema: PingedSchema, handler: () => {} });
      const info = await other.jsm.streams.info(other.bus.streamFor("bustest"));
      assert.equal(info.config.name, consumer.stream);
      await consumer.stop();
    } finally {
      await other.cleanup();
    }
  });

  it("rejects bad options with clear errors", async () => {
    const base = { durable: "bad", handler: () => {} };
    await assert.rejects(t.bus.consume({ ...base, schema: NotAnEventSchema }), /field 1 must be/);
    await assert.rejects(t.bus.consume({ ...base, schema: [] }), /schema list is empty/);
    await assert.rejects(
      t.bus.consume({ ...base, schema: PingedSchema, domain: "ingress" }),
      /domain "ingress"/,
    );
    await assert.rejects(t.bus.consume({ ...base, durable: "a.b", schema: PingedSchema }), /durable/);
    await assert.rejects(t.bus.consume({ ...base, schema: PingedSchema, concurrency: 0 }), /concurrency/);
    await assert.rejects(t.bus.consume({ ...base, schema: PingedSchema, maxDeliver: 1.5 }), /maxDeliver/);
    await assert.rejects(
      t.bus.consume({ ...base, schema: PingedSchema, backoffMs: { initial: 10, max: 1 } }),
      /backoffMs.max/,
    );
  });
});
