import { type DescMessage, fromBinary, type Message } from "@bufbuild/protobuf";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { DeadLetterPublisher } from "./dead-letter.js";
import { metaOf } from "./event-meta.js";
import type { BusLogger } from "./logger.js";

export type MaxDeliveriesWatch = { stop(): Promise<void> };

type MaxDeliverAdvisory = { stream_seq?: unknown; deliveries?: unknown };

/**
 * The bus dead-letters a failed last delivery itself, but when the process died (or the handler hung
 * past its ack wait) on that delivery nobody settles it and the server silently stops delivering.
 * The server announces that on a MAX_DELIVERIES advisory; one replica (queue group) writes the dead
 * letter from the stored event. The dead letter's msgID dedupes it against one the handler wrote.
 */
export function watchMaxDeliveries(deps: {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  durable: string;
  schemasBySubject: ReadonlyMap<string, DescMessage>;
  deadLetters: DeadLetterPublisher;
  logger: BusLogger;
}): MaxDeliveriesWatch {
  const { nc, jsm, stream, durable, logger } = deps;
  const pending = new Set<Promise<void>>();

  async function record(advisory: MaxDeliverAdvisory): Promise<void> {
    const seq = advisory.stream_seq;
    const deliveries = advisory.deliveries;
    if (typeof seq !== "number" || typeof deliveries !== "number") return;
    const stored = await jsm.streams.getMessage(stream, { seq });
    if (stored === null) {
      logger.error({ stream_seq: seq }, "event exceeded max deliveries but is no longer in the stream");
      return;
    }
    const schema = deps.schemasBySubject.get(stored.subject);
    let meta: ReturnType<typeof metaOf>;
    try {
      meta = schema === undefined ? undefined : metaOf(fromBinary(schema, stored.data) as Message);
    } catch {
      meta = undefined;
    }
    await deps.deadLetters.publish({
      stream,
      durable,
      subject: stored.subject,
      payload: stored.data,
      headers: stored.header,
      seq,
      deliveryCount: deliveries,
      reason: `no outcome after ${deliveries} deliveries (the handler outlived its ack wait or the process stopped)`,
      meta,
    });
    logger.error(
      { stream_seq: seq, delivery_count: deliveries },
      "event dead-lettered from max deliveries advisory",
    );
  }

  const sub = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`, {
    queue: `atendo-bus.${stream}.${durable}`,
    callback: (err, msg) => {
      if (err !== null) {
        logger.error({ err }, "max deliveries advisory subscription failed");
        return;
      }
      let advisory: MaxDeliverAdvisory;
      try {
        advisory = msg.json<MaxDeliverAdvisory>();
      } catch (parseErr) {
        logger.error({ err: parseErr }, "unreadable max deliveries advisory");
        return;
      }
      const task = record(advisory)
        .catch((recordErr: unknown) => {
          logger.error(
            { err: recordErr, stream_seq: advisory.stream_seq },
            "could not dead-letter an event that exceeded max deliveries; it stays in the stream",
          );
        })
        .finally(() => pending.delete(task));
      pending.add(task);
    },
  });

  return {
    async stop() {
      sub.unsubscribe();
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
