import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { type DeadLetter, DeadLetterSchema } from "@atendo/proto/common/v1";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { type Bus, type ConnectBusOptions, connectBus, newEventMeta } from "../../src/index.js";
import { createNaming } from "../../src/naming.js";
import { type Pinged, PingedSchema } from "./schemas.js";

export const natsUrl = process.env.ATENDO_TEST_NATS_URL ?? "nats://127.0.0.1:54222";

export function randomNamespace(): string {
  return `t${randomBytes(5).toString("hex")}`;
}

/** A pino logger whose JSON lines are kept for assertions. */
export function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

export type TestBus = {
  bus: Bus;
  namespace: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Another bus on the same namespace (e.g. a restarted process). */
  reopen(): Promise<Bus>;
  deadLetters(stream: string, durable: string): Promise<DeadLetter[]>;
  cleanup(): Promise<void>;
};

/** A bus on a fresh namespace plus a raw connection for inspection; cleanup deletes the namespace. */
export async function openTestBus(extra: Partial<ConnectBusOptions> = {}): Promise<TestBus> {
  const namespace = randomNamespace();
  const opened: Bus[] = [];
  const open = async (): Promise<Bus> => {
    const bus = await connectBus({
      servers: natsUrl,
      name: "bus-test",
      logger: pino({ level: "silent" }),
      namespace,
      ...extra,
    });
    opened.push(bus);
    return bus;
  };
  const bus = await open();
  const nc = await connect({ servers: natsUrl, name: "bus-test-inspect" });
  const jsm = await jetstreamManager(nc);
  return {
    bus,
    namespace,
    nc,
    jsm,
    reopen: open,
    async deadLetters(stream, durable) {
      const dlStream = bus.streamFor("deadletter");
      const subject = `${namespace}.atendo.deadletter.v1.${stream}.${durable}`;
      const out: DeadLetter[] = [];
      let info: Awaited<ReturnType<JetStreamManager["streams"]["info"]>>;
      try {
        info = await jsm.streams.info(dlStream);
      } catch {
        return out;
      }
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const stored = await jsm.streams.getMessage(dlStream, { seq });
        if (stored !== null && stored.subject === subject)
          out.push(fromBinary(DeadLetterSchema, stored.data));
      }
      return out;
    },
    async cleanup() {
      // A failed test may leave a handler hanging: streams are deleted even when close() cannot finish.
      const closed = Promise.all(opened.map((b) => b.close()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      const naming = createNaming(namespace);
      for await (const name of jsm.streams.names()) {
        if (naming.ownsStream(name)) await jsm.streams.delete(name);
      }
      await nc.close();
    },
  };
}

export function pinged(text: string, tenantId = "tenant-1"): Pinged {
  return create(PingedSchema, {
    meta: newEventMeta({ tenantId, workspaceId: "ws-1", correlationId: `corr-${text}` }),
    text,
  });
}
