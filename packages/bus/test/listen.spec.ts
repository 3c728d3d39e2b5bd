import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { type Bus, connectBus, newEventMeta } from "../src/index.js";
import { memoryLogger, openTestBus, pinged, randomNamespace, type TestBus } from "./support/harness.js";
import { startPrivateNats } from "./support/private-nats.js";
import { PingedSchema, PongedSchema, SkippedSchema } from "./support/schemas.js";

type Heard = { type: string; text: string; seq: number };

/** A handler that records what it hears, in order. */
function recorder() {
  const heard: Heard[] = [];
  return {
    heard,
    texts: () => heard.map((h) => h.text),
    handler: (event: { $typeName: string; text: string }, ctx: { streamSequence: number }) => {
      heard.push({ type: event.$typeName, text: event.text, seq: ctx.streamSequence });
    },
  };
}

describe("listen (real NATS)", () => {
  let t: TestBus;
  let replica: Bus;

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain: "bustest" });
    // A second process of the same service: its own connection, same namespace.
    replica = await t.reopen();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("hands every event to every replica, in order, skipping other types of the domain", async () => {
    const a = recorder();
    const b = recorder();
    await t.bus.listen({ schema: [PingedSchema, PongedSchema], handler: a.handler });
    await replica.listen({ schema: [PingedSchema, PongedSchema], handler: b.handler });
    const meta = () => newEventMeta({ tenantId: "t", workspaceId: "w", correlationId: "c" });
    await t.bus.publish(PingedSchema, create(PingedSchema, { meta: meta(), text: "1" }));
    await t.bus.publish(SkippedSchema, create(SkippedSchema, { meta: meta(), text: "skipped" }));
    await replica.publish(PongedSchema, create(PongedSchema, { meta: meta(), text: "2" }));
    await t.bus.publish(PingedSchema, create(PingedSchema, { meta: meta(), text: "3" }));
    await waitFor(() => a.heard.length >= 3 && b.heard.length >= 3, {
      message: "both replicas to hear the three events",
    });
    for (const r of [a, b]) {
      assert.deepEqual(r.texts(), ["1", "2", "3"]);
      assert.deepEqual(
        r.heard.map((h) => h.type),
        ["atendo.bustest.v1.Pinged", "atendo.bustest.v1.Ponged", "atendo.bustest.v1.Pinged"],
      );
    }
  });

  it("skips unread the events its prefilter refuses, before decoding them", async () => {
    const r = recorder();
    const looked: string[] = [];
    await t.bus.listen({
      schema: PingedSchema,
      handler: r.handler,
      prefilter: (data, subject) => {
        looked.push(subject);
        return Buffer.from(data).includes("keep");
      },
    });
    const meta = () => newEventMeta({ tenantId: "t", workspaceId: "w", correlationId: "c" });
    for (const text of ["keep 1", "drop 2", "keep 3"]) {
      await t.bus.publish(PingedSchema, create(PingedSchema, { meta: meta(), text }));
    }
    await waitFor(() => r.heard.length >= 2, { message: "the two kept events" });
    assert.deepEqual(r.texts(), ["keep 1", "keep 3"]);
    assert.deepEqual(looked, Array(3).fill(t.bus.subjectFor(PingedSchema)));
  });

  it("creates ephemeral consumers without acks, one per listener, and no durable", async () => {
    await t.bus.listen({ schema: PingedSchema, handler: () => {} });
    await replica.listen({ schema: PingedSchema, handler: () => {} });
    const infos = [];
    for await (const info of t.jsm.consumers.list(t.bus.streamFor("bustest"))) infos.push(info);
    assert.equal(infos.length, 2);
    for (const info of infos) {
      assert.equal(info.config.durable_name, undefined);
      assert.equal(info.config.ack_policy, "none");
      assert.equal(info.config.filter_subject, t.bus.subjectFor(PingedSchema));
    }
  });

  it("starts with new events by default", async () => {
    await t.bus.publish(PingedSchema, pinged("before"));
    const r = recorder();
    await t.bus.listen({ schema: PingedSchema, handler: r.handler });
    await t.bus.publish(PingedSchema, pinged("after"));
    await waitFor(() => r.heard.length >= 1, { message: "the new event" });
    // A later event arriving proves the earlier one was not skipped by timing alone.
    await t.bus.publish(PingedSchema, pinged("later"));
    await waitFor(() => r.heard.length >= 2, { message: "the later event" });
    assert.deepEqual(r.texts(), ["after", "later"]);
  });

  it("replays the events stored since startAt before resolving, then goes on", async () => {
    const old = await t.bus.publish(PingedSchema, pinged("too old"));
    // The server stores nanoseconds, a Date has milliseconds: start in a later millisecond.
    const stored = await t.jsm.streams.getMessage(t.bus.streamFor("bustest"), { seq: old.seq });
    const storedMs = stored?.time.getTime() ?? Number.NaN;
    await waitFor(() => Date.now() > storedMs, {
      message: "the clock to move past the first event's millisecond",
    });
    const startAt = new Date();
    await t.bus.publish(PingedSchema, pinged("recent 1"));
    await t.bus.publish(PingedSchema, pinged("recent 2"));
    const r = recorder();
    await t.bus.listen({ schema: PingedSchema, handler: r.handler, startAt });
    assert.deepEqual(r.texts(), ["recent 1", "recent 2"], "replayed before listen() resolved");
    await t.bus.publish(PingedSchema, pinged("live"));
    await waitFor(() => r.heard.length >= 3, { message: "the live event" });
    assert.deepEqual(r.texts(), ["recent 1", "recent 2", "live"]);
  });

  it("logs a failing handler with the event id and hands over the next event", async () => {
    const { logger, lines } = memoryLogger();
    const r = recorder();
    await t.bus.listen({
      schema: PingedSchema,
      logger,
      handler: (event, ctx) => {
        if (event.text === "boom") throw new Error("cache exploded");
        r.handler(event, ctx);
      },
    });
    const failing = pinged("boom", "tenant-9");
    await t.bus.publish(PingedSchema, failing);
    await t.bus.publish(PingedSchema, pinged("fine"));
    await waitFor(() => r.heard.length >= 1, { message: "the event after the failure" });
    assert.deepEqual(r.texts(), ["fine"]);
    const logged = lines.find((l) => l.msg === "listener handler failed; the next event follows");
    assert.ok(logged, "failure not logged");
    assert.equal(logged.event_id, failing.meta?.eventId);
    assert.equal(logged.tenant_id, "tenant-9");
    assert.match(JSON.stringify(logged.err), /cache exploded/);
  });

  it("stop() ends one listener and removes its consumer; the other replica still hears", async () => {
    const a = recorder();
    const b = recorder();
    const stream = t.bus.streamFor("bustest");
    const listener = await t.bus.listen({ schema: PingedSchema, handler: a.handler });
    await replica.listen({ schema: PingedSchema, handler: b.handler });
    await t.bus.publish(PingedSchema, pinged("both"));
    await waitFor(() => a.heard.length === 1 && b.heard.length === 1, { message: "both to hear" });
    await listener.stop();
    await waitFor(
      async () => {
        let count = 0;
        for await (const _ of t.jsm.consumers.list(stream)) count++;
        return count === 1;
      },
      { message: "the stopped listener's consumer to be deleted" },
    );
    await t.bus.publish(PingedSchema, pinged("one"));
    await waitFor(() => b.heard.length === 2, { message: "the running replica to hear" });
    assert.deepEqual(a.texts(), ["both"]);
    await listener.stop(); // idempotent
  });

  it("survives the loss of its consumer: reopened after the last event, nothing twice", async () => {
    const { logger, lines } = memoryLogger();
    const r = recorder();
    const stream = t.bus.streamFor("bustest");
    const deleteConsumers = async () => {
      for await (const info of t.jsm.consumers.list(stream)) await t.jsm.consumers.delete(stream, info.name);
      return Date.now();
    };
    await t.bus.publish(PingedSchema, pinged("before listening"));
    await t.bus.listen({ schema: PingedSchema, handler: r.handler, logger });
    // Lost before it handed anything over: it must not fall back to the start of the stream.
    let deletedAt = await deleteConsumers();
    await t.bus.publish(PingedSchema, pinged("after first loss"));
    await waitFor(() => r.heard.length >= 1, {
      message: "the event after the first loss",
      timeoutMs: 15_000,
    });
    const firstRecoveryMs = Date.now() - deletedAt;
    deletedAt = await deleteConsumers();
    await t.bus.publish(PingedSchema, pinged("after second loss"));
    await waitFor(() => r.heard.length >= 2, {
      message: "the event after the second loss",
      timeoutMs: 15_000,
    });
    const secondRecoveryMs = Date.now() - deletedAt;
    await t.bus.publish(PingedSchema, pinged("last"));
    await waitFor(() => r.heard.length >= 3, { message: "the last event" });
    assert.deepEqual(r.texts(), ["after first loss", "after second loss", "last"]);
    assert.ok(
      lines.some((l) => l.msg === "listener's consumer was deleted; reopening"),
      "the deletion was noticed",
    );
    // Noticed from the server's notice, not after two missed heartbeats (10 s and more).
    for (const ms of [firstRecoveryMs, secondRecoveryMs]) assert.ok(ms < 5_000, `recovered in ${ms} ms`);
  });

  it("close() stops listeners with the connection", async () => {
    const other = await t.reopen();
    await other.listen({ schema: PingedSchema, handler: () => {} });
    await other.close();
    await waitFor(
      async () => {
        let count = 0;
        for await (const _ of t.jsm.consumers.list(t.bus.streamFor("bustest"))) count++;
        return count === 0;
      },
      { message: "its consumer to be gone" },
    );
    await assert.rejects(other.listen({ schema: PingedSchema, handler: () => {} }), /bus is closed/);
  });

  it("rejects bad options with clear errors", async () => {
    const handler = () => {};
    await assert.rejects(t.bus.listen({ schema: [], handler }), /listen: schema list is empty/);
    await assert.rejects(
      t.bus.listen({ schema: PingedSchema, domain: "ingress", handler }),
      /domain "ingress"/,
    );
    await assert.rejects(
      t.bus.listen({ schema: PingedSchema, startAt: new Date(Number.NaN), handler }),
      /startAt is not a valid date/,
    );
  });
});

describe("listen across a NATS restart (private nats-server)", () => {
  it("hears events published after the server came back, without repeating earlier ones", async function () {
    this.timeout(60_000);
    const nats = await startPrivateNats();
    const buses: Bus[] = [];
    try {
      const namespace = randomNamespace();
      const open = async () => {
        const bus = await connectBus({
          servers: nats.url,
          name: "bus-restart-test",
          logger: pino({ level: "silent" }),
          namespace,
        });
        buses.push(bus);
        return bus;
      };
      const [a, b] = [await open(), await open()];
      await a.ensureStream({ domain: "bustest" });
      const ra = recorder();
      const rb = recorder();
      await a.listen({ schema: PingedSchema, handler: ra.handler });
      await b.listen({ schema: PingedSchema, handler: rb.handler });
      await a.publish(PingedSchema, pinged("before restart"));
      await waitFor(() => ra.heard.length === 1 && rb.heard.length === 1, {
        message: "both to hear before the restart",
      });

      // In-memory ordered consumers are lost with the server; the stream (file storage) is kept.
      await nats.restart();
      await waitFor(
        async () => {
          try {
            await a.publish(PingedSchema, pinged("after restart"));
            return true;
          } catch {
            return false;
          }
        },
        { message: "a publish to succeed after the restart", timeoutMs: 20_000, intervalMs: 200 },
      );
      await waitFor(() => ra.heard.length >= 2 && rb.heard.length >= 2, {
        message: "both to hear after the restart",
        timeoutMs: 20_000,
      });
      for (const r of [ra, rb]) {
        // A publish retried across the restart may have been stored twice: each stored event once.
        const seqs = r.heard.map((h) => h.seq);
        assert.deepEqual(
          seqs,
          [...new Set(seqs)].sort((x, y) => x - y),
          "each stored event once, in order",
        );
        assert.equal(r.heard[0]?.text, "before restart");
        assert.ok(r.heard.slice(1).every((h) => h.text === "after restart"));
      }
    } finally {
      await Promise.all(buses.map((bus) => bus.close().catch(() => {})));
      await nats.stop();
    }
  });
});
