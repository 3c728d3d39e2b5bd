import assert from "node:assert/strict";
import { createDb, type Db, newId } from "@atendo/db";
import { uniqueNamespace, waitFor } from "@atendo/testing";
import pg from "pg";
import { type RunningService, start } from "../src/main.js";
import { GroupCommitFullError } from "../src/store/group-commit.js";
import { WebhookEventEntity } from "../src/store/webhook-event-entity.js";
import { createWebhookEventWriter, type NewWebhookEvent } from "../src/store/webhook-event-writer.js";
import { textDelivery } from "./support/deliveries.js";
import { type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { settledRowsOf } from "./support/rows.js";
import { createTestMetrics, type TestMetrics } from "./support/test-metrics.js";

const MAX_BYTES = 64 * 1024;
const BURST = 12;

/**
 * A second connection holding a lock that makes every insert into webhook_events wait (SHARE
 * conflicts with the inserts' ROW EXCLUSIVE; reads go on): the database is as slow as we like.
 */
async function lockWebhookEvents(adminUrl: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query("begin");
  await client.query("lock table ingress.webhook_events in share mode");
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= client.query("rollback").then(() => client.end());
      return released;
    },
  };
}

describe("a burst of webhooks against a slow database (bounded group commit)", function () {
  this.timeout(60_000);
  let h: Harness;
  let ingress: RunningService;
  let url: string;
  let channel: TestChannel;
  let db: Db;
  let metrics: TestMetrics;

  before(async () => {
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    metrics = createTestMetrics();
    ingress = await start(
      h.ingressConfig({
        busNamespace: uniqueNamespace("ingress"),
        webhookQueueMaxRows: 1000,
        webhookQueueMaxBytes: MAX_BYTES,
      }),
      { logger: h.logger, meterProvider: metrics.meterProvider },
    );
    url = `http://127.0.0.1:${ingress.port}`;
    channel = await h.createChannel();
    db = await createDb({ url: h.env.appUrl("ingress"), schema: "ingress", entities: [WebhookEventEntity] });
  });

  after(async () => {
    await db?.close();
    await ingress?.stop();
    await metrics?.shutdown();
    await h?.stop();
  });

  it("answers 503 with Retry-After past the byte bound and stores exactly what it answered 200", async () => {
    // The channel is looked up once before the lock: only storing is slow.
    assert.equal((await postSigned(url, channel, textDelivery(channel).body)).status, 200);
    const before = (await settledRowsOf(channel.channelId)).length;
    const bodies = Array.from({ length: BURST }, () => textDelivery(channel, "x".repeat(15_000)).body);
    const lock = await lockWebhookEvents(h.env.adminUrl);
    const answered: Response[] = [];
    let responses: Response[];
    try {
      const requests = bodies.map((body) =>
        postSigned(url, channel, body).then((res) => {
          answered.push(res);
          return res;
        }),
      );
      // Those over the bound are answered at once; the others wait in the queue for the database.
      const waiting = await waitFor(
        async () => {
          const queued = await metrics.gauge("atendo.queue.depth", { queue: "ingress.webhook_inserts" });
          return queued !== undefined && queued + answered.length === BURST && queued;
        },
        { message: "every request to be either refused or waiting" },
      );
      assert.ok(waiting >= 1, "some are taken");
      assert.ok(
        answered.every((r) => r.status === 503),
        "nothing is answered 200 before it is stored",
      );
      assert.ok(
        waiting * (bodies[0]?.length ?? 0) <= MAX_BYTES,
        `${waiting} waiting bodies of ${bodies[0]?.length} bytes stay within ${MAX_BYTES}`,
      );
      for (const res of answered) assert.equal(res.headers.get("retry-after"), "5");
      await lock.release();
      responses = await Promise.all(requests);
    } finally {
      await lock.release();
    }

    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 503);
    assert.equal(ok.length + refused.length, BURST);
    assert.ok(refused.length > 0);
    const rows = await settledRowsOf(channel.channelId);
    const ids = new Set(rows.map((r) => r.id));
    for (const res of ok) assert.ok(ids.has(res.headers.get("x-correlation-id") ?? ""), "each 200 is stored");
    for (const res of refused) assert.ok(!ids.has(res.headers.get("x-correlation-id") ?? ""), "no 503 is");
    assert.equal(rows.length, before + ok.length);
  });

  it("never holds more body bytes than its bound while the database is slow", async () => {
    const writer = createWebhookEventWriter({ db, maxQueuedBytes: MAX_BYTES });
    const row = (): NewWebhookEvent => {
      const body = textDelivery(channel, "y".repeat(10_000)).body;
      return {
        id: newId(),
        tenant_id: channel.tenantId,
        workspace_id: channel.workspaceId,
        channel_id: channel.channelId,
        channel_type: "whatsapp",
        status: "accepted",
        reason: "",
        body,
        body_size: body.length,
        message_count: 0,
        status_count: 0,
        received_at: new Date(),
        processed_at: new Date(),
        attempts: 0,
        next_attempt_at: null,
        last_error: "",
        body_sha256: null,
        source_ip: "",
        request_headers: {},
      };
    };
    const lock = await lockWebhookEvents(h.env.adminUrl);
    const outcomes: Array<Promise<string>> = [];
    let peak = 0;
    try {
      for (let i = 0; i < 40; i++) {
        const inserted = row();
        outcomes.push(
          writer.insert(inserted).then(
            () => inserted.id,
            (err: unknown) => {
              if (err instanceof GroupCommitFullError) return "full";
              throw err;
            },
          ),
        );
        peak = Math.max(peak, writer.usage().bytes);
      }
    } finally {
      await lock.release();
    }
    const results = await Promise.all(outcomes);
    const stored = results.filter((r) => r !== "full");
    assert.ok(peak > 0 && peak <= MAX_BYTES, `at most ${MAX_BYTES} bytes held, saw ${peak}`);
    assert.ok(stored.length > 0 && stored.length < results.length);
    const ids = new Set((await settledRowsOf(channel.channelId)).map((r) => r.id));
    assert.ok(
      stored.every((id) => ids.has(id)),
      "what was taken is stored once the database answers",
    );
    assert.deepEqual(writer.usage(), { items: 0, bytes: 0 });
  });
});
