import assert from "node:assert/strict";
import { JetStreamApiError } from "@nats-io/jetstream";
import { headers, TimeoutError } from "@nats-io/nats-core";
import { createStreamPublisher } from "../src/stream-publish.js";
import { openTestBus, type TestBus } from "./support/harness.js";

/**
 * The bus's JetStream publish: one subscription takes every acknowledgement and one timer expires
 * the late ones, so each answer must reach the publish it belongs to, and every failure must come
 * back as the client's own error.
 */
describe("stream publish (real NATS)", () => {
  let t: TestBus;
  const domain = "streampub";

  beforeEach(async () => {
    t = await openTestBus();
    await t.bus.ensureStream({ domain });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const subjectOf = async () => {
    const stream = t.bus.streamFor(domain);
    const info = await t.jsm.streams.info(stream);
    return { stream, subject: (info.config.subjects[0] ?? "").replace(/>$/, "x") };
  };

  it("gives each of 500 concurrent publishes its own acknowledgement", async () => {
    const { stream, subject } = await subjectOf();
    const publisher = createStreamPublisher(t.nc);
    try {
      const ids = Array.from({ length: 500 }, (_, i) => `m-${i}`);
      const acks = await Promise.all(
        ids.map((msgID) =>
          publisher.publish(subject, new TextEncoder().encode(msgID), {
            msgID,
            headers: headers(),
            timeoutMs: 5_000,
          }),
        ),
      );
      assert.equal(new Set(acks.map((a) => a.seq)).size, 500, "500 distinct sequences");
      // The sequence each caller got holds that caller's message.
      for (const i of [0, 137, 499]) {
        const stored = await t.jsm.streams.getMessage(stream, { seq: acks[i]?.seq ?? 0 });
        assert.equal(stored?.header.get("Nats-Msg-Id"), ids[i]);
      }
      assert.ok(acks.every((a) => a.stream === stream && !a.duplicate));
      const again = await publisher.publish(subject, new Uint8Array([1]), {
        msgID: "m-7",
        headers: headers(),
        timeoutMs: 5_000,
      });
      assert.deepEqual(again, { stream, seq: acks[7]?.seq, duplicate: true });
    } finally {
      publisher.close();
    }
  });

  it("reports the stream's error as JetStreamApiError", async () => {
    const { subject } = await subjectOf();
    const publisher = createStreamPublisher(t.nc);
    try {
      const h = headers();
      h.set("Nats-Expected-Stream", "NOT_THIS_ONE");
      await assert.rejects(
        publisher.publish(subject, new Uint8Array([1]), { msgID: "x", headers: h, timeoutMs: 5_000 }),
        (err: unknown) => err instanceof JetStreamApiError && /expected stream/i.test(err.message),
      );
    } finally {
      publisher.close();
    }
  });

  it("times out when nothing acknowledges", async () => {
    // A plain subscriber that never answers: no 503, no acknowledgement.
    const silent = t.nc.subscribe("streampub.silent");
    const publisher = createStreamPublisher(t.nc);
    try {
      const started = Date.now();
      await assert.rejects(
        publisher.publish("streampub.silent", new Uint8Array([1]), {
          msgID: "s",
          headers: headers(),
          timeoutMs: 300,
        }),
        TimeoutError,
      );
      const took = Date.now() - started;
      assert.ok(took >= 300 && took < 2_000, `timed out after ${took} ms`);
    } finally {
      silent.unsubscribe();
      publisher.close();
    }
  });

  it("fails what still waits when closed", async () => {
    const silent = t.nc.subscribe("streampub.closing");
    const publisher = createStreamPublisher(t.nc);
    const waiting = publisher.publish("streampub.closing", new Uint8Array([1]), {
      msgID: "c",
      headers: headers(),
      timeoutMs: 60_000,
    });
    await t.nc.flush();
    publisher.close();
    await assert.rejects(waiting, /closing/);
    silent.unsubscribe();
  });
});
