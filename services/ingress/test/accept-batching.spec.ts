import assert from "node:assert/strict";
import { createDb, type Db, newId } from "@atendo/db";
import { WebhookEventEntity } from "../src/store/webhook-event-entity.js";
import { createWebhookEventWriter, type NewWebhookEvent } from "../src/store/webhook-event-writer.js";
import { textDelivery } from "./support/deliveries.js";
import { type Harness, startHarness, type TestChannel } from "./support/harness.js";
import { rowsOf } from "./support/rows.js";

/**
 * Marking rows accepted is the last write of a webhook: under load it must not cost a transaction
 * per webhook. The accepts made while one UPDATE runs wait and go together in the next.
 */
describe("accepting stored webhooks in batches (off the request path)", function () {
  this.timeout(60_000);
  let h: Harness;
  let channel: TestChannel;
  let db: Db;

  before(async () => {
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    channel = await h.createChannel();
    db = await createDb({ url: h.env.appUrl("ingress"), schema: "ingress", entities: [WebhookEventEntity] });
  });
  after(async () => {
    await db?.close();
    await h?.stop();
  });

  function queuedRow(): NewWebhookEvent {
    const { body } = textDelivery(channel);
    return {
      id: newId(),
      tenant_id: channel.tenantId,
      workspace_id: channel.workspaceId,
      channel_id: channel.channelId,
      channel_type: "whatsapp",
      status: "queued",
      reason: "",
      body,
      body_size: body.length,
      message_count: 1,
      status_count: 0,
      received_at: new Date(),
      processed_at: null,
      attempts: 0,
      // Far enough that the harness's sweeper never takes them.
      next_attempt_at: new Date(Date.now() + 3_600_000),
      last_error: "",
      body_sha256: null,
      source_ip: "",
      request_headers: {},
    };
  }

  it("marks 300 webhooks accepted with at most two UPDATE transactions", async () => {
    let transactions = 0;
    const counted: Db = {
      ...db,
      withTenant(tenantId, fn) {
        transactions++;
        return db.withTenant(tenantId, fn);
      },
      runForTenant(tenantId, sql, params, options) {
        transactions++;
        return db.runForTenant(tenantId, sql, params, options);
      },
    };
    const writer = createWebhookEventWriter({ db: counted });
    const rows = Array.from({ length: 300 }, queuedRow);
    await Promise.all(rows.map((row) => writer.insert(row)));
    // The inserts go together too: at most the transactions in flight at once, then 200 rows each.
    assert.ok(transactions >= 1 && transactions <= 6, `${transactions} transactions for 300 inserts`);

    transactions = 0;
    // As the receivers do: each request marks its own row once its events are published.
    await Promise.all(rows.map((row) => writer.markAccepted(row.tenant_id, row.id)));

    assert.ok(transactions <= 2, `${transactions} transactions for 300 accepts`);
    const stored = await rowsOf(channel.channelId);
    const ids = new Set(rows.map((r) => r.id));
    const ours = stored.filter((r) => ids.has(r.id));
    assert.equal(ours.length, rows.length);
    assert.deepEqual(
      ours.filter((r) => r.status !== "accepted" || r.processed_at === null || r.next_attempt_at !== null),
      [],
      "every row accepted, processed and no longer due",
    );
  });

  it("marks rows in the next insert's statement: under load a webhook costs one batched write", async () => {
    const statements: string[] = [];
    const counted: Db = {
      ...db,
      runForTenant(tenantId, sql, params, options) {
        statements.push(sql.trimStart().split(" ")[0] ?? "");
        return db.runForTenant(tenantId, sql, params, options);
      },
    };
    // Long enough that no mark goes by itself while the inserts keep coming.
    const writer = createWebhookEventWriter({ db: counted, acceptDelayMs: 60_000 });
    const rows = Array.from({ length: 300 }, queuedRow);
    // As the receivers do, one after the other in 30 waves of 10: store, then mark once published.
    const marked: Promise<void>[] = [];
    for (let wave = 0; wave < 30; wave++) {
      const batch = rows.slice(wave * 10, wave * 10 + 10);
      await Promise.all(batch.map((row) => writer.insert(row)));
      for (const row of batch) marked.push(writer.markAccepted(row.tenant_id, row.id));
    }
    // The last wave's marks ride on one more insert.
    const last = queuedRow();
    await writer.insert(last);
    await Promise.all(marked);
    assert.deepEqual(new Set(statements), new Set(["insert", "with"]), "no UPDATE of its own");
    const stored = await rowsOf(channel.channelId);
    const ids = new Set(rows.map((r) => r.id));
    assert.deepEqual(
      stored.filter((r) => ids.has(r.id) && (r.status !== "accepted" || r.processed_at === null)),
      [],
      "every row accepted",
    );
    assert.equal(stored.find((r) => r.id === last.id)?.status, "queued");
  });

  it("marks a quiet tenant's row by itself once no insert came to carry it", async () => {
    const writer = createWebhookEventWriter({ db, acceptDelayMs: 50 });
    const row = queuedRow();
    await writer.insert(row);
    await writer.markAccepted(row.tenant_id, row.id);
    assert.equal((await rowsOf(channel.channelId)).find((r) => r.id === row.id)?.status, "accepted");
  });

  it("writes the marks still waiting at shutdown at once, without an insert to carry them", async () => {
    const writer = createWebhookEventWriter({ db, acceptDelayMs: 60_000 });
    const row = queuedRow();
    await writer.insert(row);
    const marked = writer.markAccepted(row.tenant_id, row.id);
    await writer.flushAccepts();
    await marked;
    assert.equal((await rowsOf(channel.channelId)).find((r) => r.id === row.id)?.status, "accepted");
  });

  it("never takes a row back from failed or held: only queued rows become accepted", async () => {
    const writer = createWebhookEventWriter({ db });
    const held = { ...queuedRow(), status: "held" as const, processed_at: new Date(), next_attempt_at: null };
    await writer.insert(held);
    await writer.markAccepted(held.tenant_id, held.id);
    const row = (await rowsOf(channel.channelId)).find((r) => r.id === held.id);
    assert.equal(row?.status, "held");
  });
});
