import { type JetStreamManager, jetstreamManager, type StreamConfig } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { testEnv } from "./env.js";

/** Runs `fn` with a JetStream manager on its own connection to the test NATS, closed afterwards. */
async function withManager<T>(fn: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: testEnv().natsUrl, name: "atendo-test-stream-admin" });
  try {
    return await fn(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** The configuration the server holds for `stream` (e.g. its `max_age`, in nanoseconds). */
export function streamConfig(stream: string): Promise<StreamConfig> {
  return withManager(async (jsm) => (await jsm.streams.info(stream)).config);
}

/**
 * Makes `stream` refuse every message over `bytes` (-1: no limit again), as a full or broken stream
 * would: publishes fail while events keep being produced (outbox tests).
 */
export function limitStreamMessageSize(stream: string, bytes: number): Promise<void> {
  return withManager(async (jsm) => {
    await jsm.streams.update(stream, { max_msg_size: bytes });
  });
}
