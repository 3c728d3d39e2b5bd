import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus, TENANT_ID_HEADER } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import { adminQuery, createIdentityKit, signMeta, testEnv, uniqueNamespace, waitFor } from "@atendo/testing";
import { startTenantForTests, type TenantForTests } from "@atendo/testing/tenant";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type ServiceProcess, startServiceProcess } from "../../../scripts/lib/launcher.js";
import { startNats, stopNats } from "../../../scripts/lib/stack/nats.js";
import { type StackConfig, stackConfig } from "../../../scripts/lib/stack.js";
import { freePorts } from "../../../test/support/free-ports.js";
import { ANA, waBody } from "./support/whatsapp-payloads.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const logger = createLogger({ service: "ingress-crash-test", level: "error" });

interface Delivery {
  wamid: string;
  body: Buffer;
}

interface Context {
  namespace: string;
  natsUrl: string;
  tenant: TenantForTests;
  /** The test's own tenant: the stream may also get other tests' rows (the sweeper takes any tenant's). */
  tenantId: string;
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
  bus: Bus;
  /** Every ingress process started, their output, and a way to start one more. */
  processes: ServiceProcess[];
  output: string[];
  launch(extra: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The real tenant service (in process) and ingress as real processes on `natsUrl`, one channel. */
async function startContext(natsUrl: string): Promise<Context> {
  const env = testEnv();
  const namespace = uniqueNamespace("ingcrash");
  const tenant = await startTenantForTests({ namespace, logger, env: { NATS_URL: natsUrl } });
  const bus = await connectBus({ servers: natsUrl, name: "ingress-crash-test", logger, namespace });
  const owner = await createIdentityKit({ tenantUrl: tenant.url }).signUpOwner({ tenantName: "Crash" });
  const phoneNumberId = `1${String(Date.now()).slice(-12)}${String(Math.floor(Math.random() * 90) + 10)}`;
  const appSecret = `app-secret-${randomBytes(8).toString("hex")}`;
  const { channel } = await owner.clients.channels.createChannel({
    workspaceId: owner.workspaceId,
    name: "Crash WhatsApp",
    config: {
      case: "whatsapp",
      value: {
        phoneNumberId,
        wabaId: "200000000000001",
        accessToken: "crash-access-token",
        appSecret,
        verifyToken: "crash-verify-token",
      },
    },
  });
  const [port = 0] = await freePorts(1);
  const processes: ServiceProcess[] = [];
  const output: string[] = [];
  const cacheKey = randomBytes(32).toString("base64");
  return {
    namespace,
    natsUrl,
    tenant,
    tenantId: owner.tenantId,
    channelId: channel?.id ?? "",
    phoneNumberId,
    appSecret,
    bus,
    processes,
    output,
    async launch(extra) {
      // One port for every process of the test: a new process answers where Meta posts.
      const svc = startServiceProcess({
        name: "ingress",
        env: {
          PORT: String(port),
          HOST: "127.0.0.1",
          DATABASE_URL: env.appUrl("ingress"),
          MIGRATION_DATABASE_URL: env.ownerUrl,
          REDIS_URL: env.redisUrl,
          NATS_URL: natsUrl,
          BUS_NAMESPACE: namespace,
          REDIS_KEY_PREFIX: `${namespace}:`,
          TENANT_SERVICE_URL: tenant.url,
          AUTH_ISSUER: tenant.issuer,
          CHANNEL_CACHE_KEY: cacheKey,
          LOG_LEVEL: "warn",
          OTEL_EXPORTER: "none",
          ...extra,
        },
        onLine: (line) => output.push(line),
        keepLines: 200,
      });
      processes.push(svc);
      await svc.ready(60_000);
      return svc;
    },
    async stop() {
      await Promise.all(processes.map((p) => p.stop(10_000)));
      await tenant.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
}

function deliveries(ctx: Context, count: number): Delivery[] {
  return Array.from({ length: count }, () => {
    const wamid = `wamid.crash.${randomUUID()}`;
    const body = waBody({
      phoneNumberId: ctx.phoneNumberId,
      contacts: [ANA],
      messages: [
        {
          from: ANA.wa_id,
          id: wamid,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: "text",
          text: { body: "Oi, ainda estão abertos?" },
        },
      ],
    });
    return { wamid, body };
  });
}

function post(url: string, ctx: Context, delivery: Delivery): Promise<Response> {
  return fetch(`${url}/webhooks/whatsapp/${ctx.channelId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": signMeta(ctx.appSecret, delivery.body),
    },
    body: delivery.body,
  });
}

/** How many times each msgID of the test's tenant is in the namespace's ingress stream (read by sequence). */
async function msgIdCounts(ctx: Context): Promise<Map<string, number>> {
  const nc = await connect({ servers: ctx.natsUrl, name: "ingress-crash-test-reader" });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = ctx.bus.streamFor("ingress");
    const { state } = await jsm.streams.info(stream);
    const counts = new Map<string, number>();
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      // A sequence the stream does not hold (a gap a NATS restart can leave) is no message: it was
      // counted as one without a msgID, which failed this test with nothing doubled.
      if (msg === null) continue;
      // Rows other tests left queued in the shared database are any sweeper's work, this one's too.
      if (msg.header.get(TENANT_ID_HEADER) !== ctx.tenantId) continue;
      const msgId = msg.header.get("Nats-Msg-Id");
      counts.set(msgId, (counts.get(msgId) ?? 0) + 1);
    }
    return counts;
  } finally {
    await nc.close();
  }
}

const statusesOf = (channelId: string) =>
  adminQuery<{ status: string; n: number }>(
    "select status, count(*)::int as n from ingress.webhook_events where channel_id = $1 group by status",
    [channelId],
  );

const countOf = async (channelId: string, status: string) =>
  (await statusesOf(channelId)).find((r) => r.status === status)?.n ?? 0;

/** Waits until the channel's rows per status satisfy `done`; the timeout names the last counts. */
async function waitForRows(
  channelId: string,
  what: string,
  done: (count: (status: string) => number) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  let last: Array<{ status: string; n: number }> = [];
  await waitFor(
    async () => {
      last = await statusesOf(channelId);
      return done((status) => last.find((r) => r.status === status)?.n ?? 0);
    },
    { timeoutMs, message: () => `${what}: rows ${JSON.stringify(last)}` },
  );
}

/** Every delivery's message in the stream exactly once, and no other message. */
async function assertPublishedOnce(ctx: Context, sent: Delivery[]): Promise<void> {
  const counts = await msgIdCounts(ctx);
  const wamids = new Set(sent.map((d) => d.wamid));
  const ours = [...counts].filter(([msgId]) => [...wamids].some((w) => msgId.includes(w)));
  assert.equal(ours.length, wamids.size, `every message in the stream: ${ours.length} of ${wamids.size}`);
  assert.deepEqual(
    ours.filter(([, n]) => n !== 1),
    [],
    "no message twice",
  );
  const others = [...counts].filter(([msgId]) => ![...wamids].some((w) => msgId.includes(w)));
  assert.deepEqual(others, [], "nothing else in the stream (msgIDs and counts)");
}

// The first process sweeps only after 10 minutes (never, in the test); rows it stores are due for
// the sweeper of the next process 100 ms after they arrived.
const FIRST = { SWEEP_QUEUED_AFTER_MS: "100", SWEEP_INTERVAL_MS: "600000" };
const NEXT = { SWEEP_QUEUED_AFTER_MS: "100", SWEEP_INTERVAL_MS: "100" };

describe("ingress: killed between storing and publishing, nothing is lost and nothing doubled", function () {
  this.timeout(180_000);
  let ctx: Context;

  before(async () => {
    ctx = await startContext(testEnv().natsUrl);
  });
  after(async () => {
    await ctx?.stop();
  });

  it("rows committed, events not yet published: the next process publishes each message once", async () => {
    const first = await ctx.launch({ ...FIRST, INGRESS_TEST_CRASH_POINT: "before-publish" });
    const sent = deliveries(ctx, 20);
    // The requests never get an answer: the process stalls after the commit, then dies.
    const unanswered = sent.map((d) =>
      post(first.url, ctx, d).then(
        (res) => res.status,
        () => "no answer",
      ),
    );
    await waitForRows(ctx.channelId, "20 rows committed as queued", (n) => n("queued") === sent.length);
    assert.equal((await msgIdCounts(ctx)).size, 0, "nothing was published before the crash");
    first.kill();
    await first.exited;
    assert.deepEqual(new Set(await Promise.all(unanswered)), new Set(["no answer"]));

    const next = await ctx.launch(NEXT);
    // The rows are the outbox: the next process's sweeper publishes them without any help.
    await waitForRows(ctx.channelId, "the sweeper accepted every row", (n) => n("accepted") === sent.length);
    await assertPublishedOnce(ctx, sent);
    // Meta retries what got no 200: the same bodies, stored again, published under the same msgIDs.
    for (const res of await Promise.all(sent.map((d) => post(next.url, ctx, d)))) {
      assert.equal(res.status, 200, await res.text());
    }
    await waitForRows(ctx.channelId, "the retries accepted", (n) => n("accepted") === sent.length * 2);
    await assertPublishedOnce(ctx, sent);
    await next.stop();
  });

  it("events published, rows not yet marked: the next process republishes them, deduplicated", async () => {
    const acceptedBefore = await countOf(ctx.channelId, "accepted");
    const first = await ctx.launch({ ...FIRST, INGRESS_TEST_CRASH_POINT: "before-accept" });
    const sent = deliveries(ctx, 20);
    for (const res of await Promise.all(sent.map((d) => post(first.url, ctx, d)))) {
      assert.equal(res.status, 200, await res.text());
    }
    // Answered 200: stored and in the stream; the rows stay queued (the accepting UPDATE stalls).
    assert.equal(await countOf(ctx.channelId, "queued"), sent.length);
    first.kill();
    await first.exited;

    await ctx.launch(NEXT);
    await waitForRows(
      ctx.channelId,
      "the sweeper accepted every row",
      (n) => n("queued") === 0 && n("accepted") === acceptedBefore + sent.length,
    );
    const counts = await msgIdCounts(ctx);
    for (const d of sent) assert.equal(counts.get(d.wamid) ?? 0, 1, `${d.wamid} once`);
  });

  it("a history chunk over the inline split limit is answered once stored, then split from its row: once each across a crash", async () => {
    const acceptedBefore = await countOf(ctx.channelId, "accepted");
    const first = await ctx.launch({ ...FIRST, INGRESS_TEST_CRASH_POINT: "before-publish" });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const wamids = Array.from({ length: 2500 }, () => `wamid.crash-history.${randomUUID()}`);
    const body = waBody({
      field: "history",
      phoneNumberId: ctx.phoneNumberId,
      history: [
        {
          metadata: { phase: 0, chunk_order: 1, progress: 100 },
          threads: [
            {
              id: ANA.wa_id,
              messages: wamids.map((id) => ({
                from: ANA.wa_id,
                id,
                timestamp,
                type: "text",
                text: { body: "Bom dia! Vocês têm mesa para 4 no sábado?" },
                history_context: { status: "READ" },
              })),
            },
          ],
        },
      ],
    });
    assert.ok(body.length > 256 * 1024, `a large body: ${body.length} bytes`);
    // This process never publishes; the 200 comes anyway: the body is split after it, from the row.
    const res = await fetch(`${first.url}/webhooks/whatsapp/${ctx.channelId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMeta(ctx.appSecret, body) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await countOf(ctx.channelId, "queued"), 1, "stored before the answer, still to publish");
    first.kill();
    await first.exited;

    const next = await ctx.launch(NEXT);
    await waitForRows(
      ctx.channelId,
      "the sweeper accepted the chunk",
      (n) => n("accepted") === acceptedBefore + 1,
    );
    const counts = await msgIdCounts(ctx);
    const published = wamids.map((w) => [...counts].filter(([msgId]) => msgId.includes(w)));
    assert.deepEqual(
      published.filter((p) => p.length !== 1 || p[0]?.[1] !== 1),
      [],
      "every history message in the stream exactly once",
    );
    assert.equal(counts.get("history:0:1"), 1, "the chunk's progress, once");
    const [row] = await adminQuery<{ message_count: number }>(
      "select message_count from ingress.webhook_events where channel_id = $1 and body_size = $2",
      [ctx.channelId, body.length],
    );
    assert.equal(row?.message_count, wamids.length + 1, "the row counts what was published from it");
    await next.stop();
  });
});

describe("ingress: NATS restarts while webhooks arrive, every 200 is published once", function () {
  this.timeout(240_000);
  let ctx: Context | undefined;
  let nats: StackConfig;
  let dataDir: string;

  before(async () => {
    // A NATS server of this test alone (the stack's own, on other ports and in a folder of its own),
    // so that restarting it disturbs no other test.
    const [natsPort = 0, natsMonitorPort = 0] = await freePorts(2);
    dataDir = mkdtempSync(join(tmpdir(), "ingress-nats-"));
    nats = { ...stackConfig(root), natsPort, natsMonitorPort, dataDir };
    await startNats(nats);
    ctx = await startContext(`nats://${nats.host}:${natsPort}`);
  });
  after(async () => {
    await ctx?.stop();
    await stopNats(nats);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stores and answers through the outage; the sweeper publishes what the requests could not", async () => {
    const c = ctx as Context;
    const ingress = await c.launch({ SWEEP_QUEUED_AFTER_MS: "1000", SWEEP_INTERVAL_MS: "200" });
    const sent: Delivery[] = [];
    const answers = new Map<string, number>();
    let posting = true;
    // Meta: each delivery is posted until it gets a 200 (any other answer or a refused connection
    // is retried), four at a time, for as long as the test lets it.
    const meta = async () => {
      while (posting) {
        const [delivery] = deliveries(c, 1);
        if (delivery === undefined) break;
        sent.push(delivery);
        for (;;) {
          const status = await post(ingress.url, c, delivery).then(
            (res) => res.status,
            () => 0,
          );
          answers.set(String(status), (answers.get(String(status)) ?? 0) + 1);
          if (status === 200) break;
        }
      }
    };
    const accepted = () => answers.get("200") ?? 0;
    const senders = Array.from({ length: 4 }, meta);

    await waitFor(() => accepted() >= 10, { message: "10 deliveries accepted before the restart" });
    await stopNats(nats);
    const duringOutage = accepted();
    await waitFor(() => accepted() >= duringOutage + 8, {
      timeoutMs: 60_000,
      message: () => `deliveries accepted while NATS is down: ${JSON.stringify([...answers])}`,
    });
    await startNats(nats);
    const afterRestart = accepted();
    await waitFor(() => accepted() >= afterRestart + 10, {
      timeoutMs: 60_000,
      message: () => `deliveries accepted after NATS is back: ${JSON.stringify([...answers])}`,
    });
    posting = false;
    await Promise.all(senders);

    await waitForRows(c.channelId, "no row left queued", (n) => n("queued") === 0, 60_000);
    assert.equal(await countOf(c.channelId, "accepted"), sent.length, "one accepted row per delivery");
    // The outage was felt: publishes failed (their rows left to the sweeper), yet each got its 200.
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    const failed = /^atendo_bus_published_total\{[^}]*outcome="error"[^}]*\} (\d+)/m.exec(metrics);
    assert.ok(Number(failed?.[1] ?? 0) > 0, "some publishes failed during the outage");
    await waitFor(
      async () => {
        await assertPublishedOnce(c, sent);
        return true;
      },
      { timeoutMs: 30_000, message: "every delivery published once" },
    );
  });
});
