import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { limitStreamMessageSize, streamConfig, testEnv, uniqueNamespace } from "../src/index.js";

describe("stream admin helpers (real NATS JetStream)", () => {
  let nc: NatsConnection;
  const name = uniqueNamespace("STREAM_ADMIN").toUpperCase();
  const subject = `${name.toLowerCase()}.events`;

  before(async () => {
    nc = await connect({ servers: testEnv().natsUrl });
    await (await jetstreamManager(nc)).streams.add({ name, subjects: [subject] });
  });
  after(async () => {
    await (await jetstreamManager(nc)).streams.delete(name).catch(() => undefined);
    await nc?.close();
  });

  it("limits the message size of a stream, reads it back, and lifts the limit", async () => {
    const js = jetstream(nc);
    const payload = new Uint8Array(100);
    await js.publish(subject, payload);

    await limitStreamMessageSize(name, 16);
    assert.equal((await streamConfig(name)).max_msg_size, 16);
    await assert.rejects(js.publish(subject, payload), "a message over the limit is refused");

    await limitStreamMessageSize(name, -1);
    assert.equal((await streamConfig(name)).max_msg_size, -1);
    const ack = await js.publish(subject, payload);
    assert.equal(ack.stream, name);
  });
});
