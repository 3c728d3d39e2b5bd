import type { EntityManager } from "@mikro-orm/postgresql";
import { sql } from "kysely";
import { afterCommit } from "./after-commit.js";
import { isNotNullViolation, isRlsViolation } from "./db-errors.js";
import type { EncodedEvent } from "./inbox.js";
import { OUTBOX_TABLE, outboxTable } from "./outbox-table.js";
import type { OutboxTables } from "./outbox-tables.js";
import { TENANT_SETTING } from "./unit-of-work.js";

/** NATS's default `max_payload`: the largest message a server accepts unless configured otherwise. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

// NATS counts headers into max_payload: the msgID, the event type and the bus's own headers
// (tenant, correlation, trace context) stay well under this.
const HEADER_ALLOWANCE_BYTES = 1024;

export interface OutboxOptions {
  /** The bus's `max_payload`; events that would not fit are refused at add(). Default 1 MiB. */
  maxPayloadBytes?: number;
}

export interface Outbox {
  readonly schema: string;
  /**
   * Stores events in `<schema>.outbox` inside the caller's tenant transaction (the `em` that
   * `db.withTenant` gave): they commit or roll back with the change, and go out in this order.
   * Throws OutboxEventTooLargeError for an event over the payload limit, so the change does not
   * commit either. Relays of this outbox in this process are woken right after the commit.
   */
  add(em: EntityManager, events: readonly EncodedEvent[]): Promise<void>;
  /** Calls `listener` after each commit that added events (createOutboxRelay subscribes). */
  onCommitted(listener: () => void): () => void;
}

/** An event too large for the bus: store large parts by reference instead. */
export class OutboxEventTooLargeError extends Error {
  readonly eventType: string;
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(event: EncodedEvent, bytes: number, maxBytes: number) {
    super(
      `event ${event.eventType} (msgId ${event.msgId}) is ${bytes} bytes with its headers, over the bus's ` +
        `payload limit of ${maxBytes} bytes: keep large parts out of events (store them and send a reference)`,
    );
    this.name = "OutboxEventTooLargeError";
    this.eventType = event.eventType;
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

function assertEvent(event: EncodedEvent, maxBytes: number): void {
  for (const field of ["subject", "msgId", "eventType"] as const) {
    if (typeof event[field] !== "string" || event[field] === "") {
      throw new TypeError(`cannot add an event to the outbox: ${field} is empty`);
    }
  }
  const bytes =
    event.data.byteLength +
    Buffer.byteLength(event.msgId) +
    Buffer.byteLength(event.eventType) +
    HEADER_ALLOWANCE_BYTES;
  if (bytes > maxBytes) throw new OutboxEventTooLargeError(event, bytes, maxBytes);
}

export function createOutbox(schema: string, options: OutboxOptions = {}): Outbox {
  outboxTable(schema); // validates the schema name
  const maxBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= HEADER_ALLOWANCE_BYTES) {
    throw new RangeError(
      `invalid maxPayloadBytes ${maxBytes}: expected an integer over ${HEADER_ALLOWANCE_BYTES}`,
    );
  }
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };

  return {
    schema,
    async add(em, events) {
      if (events.length === 0) return;
      for (const event of events) assertEvent(event, maxBytes);
      if (!em.isInTransaction()) {
        throw new Error("outbox.add must run inside db.withTenant, with the transaction of the change");
      }
      try {
        await em
          .getKysely<OutboxTables>()
          .withSchema(schema)
          .insertInto(OUTBOX_TABLE)
          .values(
            events.map((e) => ({
              // The transaction's own tenant: the row can only ever belong to it (RLS checks it too).
              tenant_id: sql<string>`nullif(current_setting(${TENANT_SETTING}, true), '')::uuid`,
              subject: e.subject,
              msg_id: e.msgId,
              event_type: e.eventType,
              data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength),
            })),
          )
          .execute();
      } catch (err) {
        // The row takes the transaction's tenant, so only a transaction without one fails these.
        if (isRlsViolation(err) || isNotNullViolation(err)) {
          throw new Error("outbox.add needs a tenant: call it inside db.withTenant", { cause: err });
        }
        throw err;
      }
      afterCommit(em, notify);
    },
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
