// What the outbox specs share: a schema migrated with outboxTableSql, a real JetStream stream on its
// own namespace (published through @atendo/bus, as services do), and a log that keeps its lines.
import { type Bus, connectBus } from "@atendo/bus";
import { uniqueNamespace } from "@atendo/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type EncodedEvent, newId, outboxTableSql, runMigrations } from "../src/index.js";
import { createNotesMigration, statementsMigration } from "./fixtures.js";
import { APP_ROLE, OWNER_URL } from "./pg-env.js";

const natsUrl = process.env.ATENDO_TEST_NATS_URL ?? "nats://127.0.0.1:54222";

export interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A DbLogger/BusLogger that keeps every line. */
export function memoryLogger() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return { logger, lines };
}

/** Notes (a tenant table) and the outbox, like a service's migrations. */
export async function migrateWithOutbox(schema: string): Promise<void> {
  await runMigrations({
    ownerUrl: OWNER_URL,
    schema,
    appRole: APP_ROLE,
    migrations: [
      { name: "Migration20261125000000_notes", class: createNotesMigration(schema) },
      statementsMigration("Migration20261201000000_outbox", outboxTableSql(schema)),
    ],
  });
}

export interface TestStream {
  bus: Bus;
  /** A subject of the test's stream. */
  subject: string;
  /** An event on that subject; its bytes are a protobuf with no meta (field 15 holds `label`). */
  event(label: string, bytes?: number): EncodedEvent;
  /** The msgIDs the stream stored, in stream order. */
  storedMsgIds(): Promise<string[]>;
  close(): Promise<void>;
}

/** A stream of the domain `dbspec` on a namespace of its own. */
export async function openTestStream(): Promise<TestStream> {
  const namespace = uniqueNamespace("db");
  const { logger } = memoryLogger();
  const bus = await connectBus({ servers: natsUrl, name: "db-outbox-test", logger, namespace });
  const { stream } = await bus.ensureStream({ domain: "dbspec" });
  const nc = await connect({ servers: natsUrl, name: "db-outbox-test-inspect" });
  const jsm = await jetstreamManager(nc);
  const subject = `${namespace}.atendo.dbspec.v1.thing_happened`;
  return {
    bus,
    subject,
    event(label, bytes = 0) {
      const text = Buffer.from(label.padEnd(bytes, "."));
      // Field 15, length-delimited: never read as meta (field 1) by the bus.
      const head = [0x7a, ...varint(text.byteLength)];
      return {
        subject,
        msgId: `${label}-${newId()}`,
        eventType: "atendo.dbspec.v1.ThingHappened",
        data: new Uint8Array(Buffer.concat([Buffer.from(head), text])),
      };
    },
    async storedMsgIds() {
      const info = await jsm.streams.info(stream);
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(stream, { seq });
        ids.push(msg?.header.get("Nats-Msg-Id") ?? "");
      }
      return ids;
    },
    async close() {
      await nc.close();
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
