import type { EntityManager } from "@mikro-orm/postgresql";
import { assertIdentifier, quoteIdentifier } from "./identifiers.js";
import { pruneFunctionSql } from "./prune-function.js";
import { tenantRls } from "./tenant-rls.js";

/**
 * An event ready to publish, already encoded: what a consumer produced while handling an event.
 * Stored with the handled event so a redelivery republishes the same bytes under the same msgID
 * (JetStream drops the duplicate) instead of doing the work twice or losing the output.
 */
export interface EncodedEvent {
  subject: string;
  msgId: string;
  eventType: string;
  data: Uint8Array;
}

export interface InboxKey {
  tenantId: string;
  /** The durable consumer (one event may be handled by several consumers of one service). */
  consumer: string;
  eventId: string;
}

export interface InboxResult {
  /** True when this event had been handled before: `outputs` are the stored ones. */
  duplicate: boolean;
  outputs: EncodedEvent[];
}

export interface Inbox {
  /**
   * Runs `work` at most once per (consumer, event id), inside the caller's tenant transaction: the
   * inbox row is claimed first (a concurrent redelivery waits on it, then sees it), `work`'s outputs
   * are stored with it, and both commit or roll back with the caller's changes.
   */
  handle(em: EntityManager, key: InboxKey, work: () => Promise<EncodedEvent[]>): Promise<InboxResult>;
  /**
   * Whether the consumer handled the event already: a cheap look, without a lock, before expensive
   * work (a model call) that `handle` would then only store. `handle` stays the one that decides.
   */
  handled(em: EntityManager, key: Omit<InboxKey, "tenantId">): Promise<boolean>;
}

interface StoredOutput {
  subject: string;
  msgId: string;
  eventType: string;
  data: string;
}

/**
 * DDL for `<schema>.processed_events`, the inbox table, with its prune function (see
 * inboxRetentionSql); add it to a service's first migration.
 */
export function inboxTableSql(schema: string): string[] {
  assertIdentifier("schema", schema);
  const table = `${quoteIdentifier(schema)}.processed_events`;
  return [
    `create table ${table} (
      tenant_id uuid not null,
      consumer text not null,
      event_id text not null,
      outputs jsonb not null default '[]'::jsonb,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id))`,
    `create index processed_events_processed_at on ${table} (processed_at)`,
    ...tenantRls(`${schema}.processed_events`),
    ...inboxRetentionSql(schema),
  ];
}

/**
 * `<schema>.prune_processed_events`, for createRetentionJob: a migration adds it to a schema whose
 * inbox predates it (inboxTableSql includes it). Keep inbox rows longer than the streams keep events
 * (7 days by default): a redelivery older than its inbox row would be handled again.
 */
export function inboxRetentionSql(schema: string): string[] {
  return pruneFunctionSql(schema, "processed_events", "processed_at");
}

const encode = (outputs: EncodedEvent[]): string =>
  JSON.stringify(
    outputs.map(
      (o): StoredOutput => ({
        subject: o.subject,
        msgId: o.msgId,
        eventType: o.eventType,
        data: Buffer.from(o.data).toString("base64"),
      }),
    ),
  );

const decode = (stored: StoredOutput[]): EncodedEvent[] =>
  stored.map((o) => ({
    subject: o.subject,
    msgId: o.msgId,
    eventType: o.eventType,
    data: new Uint8Array(Buffer.from(o.data, "base64")),
  }));

export function createInbox(schema: string): Inbox {
  assertIdentifier("schema", schema);
  const table = `${quoteIdentifier(schema)}.processed_events`;
  return {
    async handle(em, key, work) {
      const claimed = await em.execute<Array<{ claimed: number }>>(
        `insert into ${table} (tenant_id, consumer, event_id) values (?, ?, ?)
         on conflict (consumer, event_id) do nothing returning 1 as claimed`,
        [key.tenantId, key.consumer, key.eventId],
        "all",
      );
      if (claimed.length === 0) {
        const rows = await em.execute<Array<{ outputs: StoredOutput[] }>>(
          `select outputs from ${table} where consumer = ? and event_id = ?`,
          [key.consumer, key.eventId],
          "all",
        );
        return { duplicate: true, outputs: decode(rows[0]?.outputs ?? []) };
      }
      const outputs = await work();
      if (outputs.length > 0) {
        await em.execute(
          `update ${table} set outputs = ?::jsonb where consumer = ? and event_id = ?`,
          [encode(outputs), key.consumer, key.eventId],
          "run",
        );
      }
      return { duplicate: false, outputs };
    },

    async handled(em, key) {
      const rows = await em.execute<Array<{ found: number }>>(
        `select 1 as found from ${table} where consumer = ? and event_id = ?`,
        [key.consumer, key.eventId],
        "all",
      );
      return rows.length > 0;
    },
  };
}
