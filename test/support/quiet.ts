// "Nothing is left in flight": every durable consumer of the bus namespace has had everything in its
// stream delivered and acknowledged, and the conversation buffer holds no armed or leased turn. Lets
// a test assert "exactly N" after the fact without sleeping.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";

export interface QuietReport {
  quiet: boolean;
  busy: string[];
}

export async function pipelineQuiet(options: {
  natsUrl: string;
  redisUrl: string;
  namespace: string;
  redisPrefix: string;
}): Promise<QuietReport> {
  const busy: string[] = [];
  const nc = await connect({ servers: options.natsUrl, name: "e2e-quiet" });
  try {
    const jsm = await jetstreamManager(nc);
    const suffix = `_${options.namespace.toUpperCase()}`;
    let consumers = 0;
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.endsWith(suffix)) continue;
      for await (const c of jsm.consumers.list(stream.config.name)) {
        consumers++;
        if (c.num_pending > 0 || c.num_ack_pending > 0) {
          busy.push(`${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked`);
        }
      }
    }
    if (consumers === 0) busy.push("no consumers yet");
  } finally {
    await nc.close();
  }
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const key of ["buffer:due", "buffer:leased"]) {
      const n = await redis.zcard(`${options.redisPrefix}${key}`);
      if (n > 0) busy.push(`${key}: ${n} turns`);
    }
  } finally {
    redis.disconnect();
  }
  return { quiet: busy.length === 0, busy };
}
