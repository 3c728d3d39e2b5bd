import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { WebhookEventStatus } from "@atendo/proto/ingress/v1";
import { Plan } from "@atendo/proto/tenant/v1";
import { expectConnectError } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { type RunningService, start } from "../src/main.js";
import {
  createWebhookRateLimiter,
  limitsOfPlan,
  type RateLimitsByPlan,
} from "../src/store/webhook-rate-limiter.js";
import { textDelivery } from "./support/deliveries.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { createInstagramChannel, postInstagramSigned } from "./support/instagram-channel.js";
import { igBody, igText } from "./support/instagram-payloads.js";
import { captureLogs, type LogLines } from "./support/log-lines.js";
import { settledRowsOf } from "./support/rows.js";
import { createTestMetrics, type TestMetrics } from "./support/test-metrics.js";

// One delivery every 100 s: nothing refills while a test runs, so the bursts are exact.
const SLOW = 0.01;
const LIMITS: RateLimitsByPlan = {
  free: { tenant: { perSecond: SLOW, burst: 5 }, channel: { perSecond: SLOW, burst: 3 } },
  pro: { tenant: { perSecond: SLOW, burst: 20 }, channel: { perSecond: SLOW, burst: 6 } },
  enterprise: { tenant: { perSecond: SLOW, burst: 100 }, channel: { perSecond: SLOW, burst: 50 } },
};

describe("webhook rate limits per tenant and per channel, by plan (real Redis)", function () {
  this.timeout(60_000);
  let h: Harness;
  // An instance with the small limits above, on the harness's namespace (bus, Redis prefix).
  let ingress: RunningService;
  let url: string;
  let metrics: TestMetrics;
  let logs: LogLines;
  let events: EventCollector;

  before(async () => {
    h = await startHarness();
    metrics = createTestMetrics();
    logs = captureLogs("warn");
    ingress = await start(h.ingressConfig({ webhookRateLimits: LIMITS }), {
      logger: logs.logger,
      meterProvider: metrics.meterProvider,
    });
    url = `http://127.0.0.1:${ingress.port}`;
    events = await collectIngressEvents(h.bus);
  });

  after(async () => {
    await events?.stop();
    await ingress?.stop();
    await metrics?.shutdown();
    await h?.stop();
  });

  /** Posts `count` new text deliveries one after the other; their answers. */
  async function burst(channel: TestChannel, count: number): Promise<Response[]> {
    const answers: Response[] = [];
    for (let i = 0; i < count; i++) answers.push(await postSigned(url, channel, textDelivery(channel).body));
    return answers;
  }

  it("answers 429 with Retry-After past a channel's burst and records THROTTLED rows without the body", async () => {
    const channel = await h.createChannel();
    const bodies = [1, 2, 3, 4, 5].map(() => textDelivery(channel).body);
    const answers: Response[] = [];
    for (const body of bodies) answers.push(await postSigned(url, channel, body));
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 429, 429],
    );
    const retryAfter = Number(answers[3]?.headers.get("retry-after"));
    // The 4th delivery fits once one interval (100 s) has passed.
    assert.ok(retryAfter >= 99 && retryAfter <= 100, `Retry-After ${retryAfter}`);
    assert.match(await (answers[3] as Response).text(), /channel/);

    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => r.status),
      ["accepted", "accepted", "accepted", "throttled", "throttled"],
    );
    const throttled = rows[3];
    assert.ok(throttled);
    assert.equal(throttled.body.length, 0, "no body: Meta delivers it again");
    assert.equal(throttled.body_size, bodies[3]?.length);
    assert.deepEqual(
      throttled.body_sha256,
      createHash("sha256")
        .update(bodies[3] ?? "")
        .digest(),
    );
    assert.match(throttled.request_headers["x-hub-signature-256"] ?? "", /^sha256=/);
    assert.equal(throttled.reason, "over the channel's webhook rate limit");
    assert.equal(throttled.message_count, 0);

    await events.settle();
    assert.equal(events.messages(channel.channelId).length, 3, "only the admitted ones are published");
    assert.ok((await metrics.counter("atendo.ingress.webhooks.throttled", { scope: "channel" })) >= 2);
    assert.ok(
      logs
        .lines()
        .some(
          (l) => l.msg === "webhook throttled: over the rate limit" && l.channel_id === channel.channelId,
        ),
    );
  });

  it("lists THROTTLED rows and refuses to replay them like rejected ones", async () => {
    const channel = await h.createChannel();
    await burst(channel, 4);
    const rows = await settledRowsOf(channel.channelId);
    const throttled = rows.find((r) => r.status === "throttled");
    assert.ok(throttled);
    const { events: listed } = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      status: WebhookEventStatus.THROTTLED,
    });
    assert.deepEqual(
      listed.map((e) => e.id),
      [throttled.id],
    );
    await expectConnectError(
      channel.owner.clients.webhooks.replayWebhookEvent({
        workspaceId: channel.workspaceId,
        webhookEventId: throttled.id,
      }),
      Code.FailedPrecondition,
      { reason: "WEBHOOK_EVENT_REJECTED", message: /throttled/ },
    );
  });

  it("leaves another tenant's channel unaffected", async () => {
    const busy = await h.createChannel();
    const other = await h.createChannel();
    await burst(busy, 4);
    assert.deepEqual(
      (await burst(other, 3)).map((r) => r.status),
      [200, 200, 200],
    );
  });

  it("counts a tenant's channels together: its limit spans them (WhatsApp and Instagram alike)", async () => {
    const first = await h.createChannel();
    const second = await h.createChannel({ owner: first.owner });
    const instagram = await createInstagramChannel(h, { owner: first.owner });
    assert.deepEqual(
      (await burst(first, 3)).map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal((await postInstagramSigned(url, instagram, igBody([igText("hi").event]))).status, 200);
    const answers = await burst(second, 2);
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 429],
      "the tenant's fifth delivery is its last, though the second channel took one only",
    );
    assert.match(await (answers[1] as Response).text(), /tenant/);
    const throttled = (await settledRowsOf(second.channelId)).find((r) => r.status === "throttled");
    assert.equal(throttled?.reason, "over the tenant's webhook rate limit");
    assert.ok((await metrics.counter("atendo.ingress.webhooks.throttled", { scope: "tenant" })) >= 1);
  });

  it("sets the limits by the tenant's plan", async () => {
    const owner = await h.identity.signUpOwner();
    await h.admin.tenants.updateTenant({
      tenantId: owner.tenantId,
      updateMask: { paths: ["plan"] },
      plan: Plan.PRO,
    });
    const pro = await h.createChannel({ owner });
    const answers = (await burst(pro, 7)).map((r) => r.status);
    assert.deepEqual(answers, [200, 200, 200, 200, 200, 200, 429], "the pro channel burst is 6");
    assert.equal(limitsOfPlan(LIMITS, Plan.UNSPECIFIED), LIMITS.free, "no plan: the free limits");
  });

  it("admits exactly the burst of N concurrent requests (one atomic script)", async () => {
    const channel = await h.createChannel();
    const bodies = Array.from({ length: 20 }, () => textDelivery(channel).body);
    const answers = await Promise.all(bodies.map((body) => postSigned(url, channel, body)));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 17);
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.filter((r) => r.status === "throttled").length, 17);
  });

  it("the limiter alone: 300 concurrent admits over two keys grant exactly the smaller burst", async () => {
    const redis = new Redis(h.env.redisUrl, { keyPrefix: `${h.namespace}:` });
    try {
      const limiter = createWebhookRateLimiter(redis, {
        ...LIMITS,
        enterprise: { tenant: { perSecond: SLOW, burst: 70 }, channel: { perSecond: SLOW, burst: 40 } },
      });
      const tenantId = randomUUID();
      const channels = [randomUUID(), randomUUID()];
      const decisions = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          limiter.admit({ tenantId, channelId: channels[i % 2] ?? "", plan: Plan.ENTERPRISE }),
        ),
      );
      // Each channel allows 40, the tenant 70 over both: 70 in all, no more, whatever the interleaving.
      assert.equal(decisions.filter((d) => d.admitted).length, 70);
      const refused = decisions.filter((d) => !d.admitted);
      assert.ok(refused.every((d) => !d.admitted && d.retryAfterMs > 0));
    } finally {
      redis.disconnect();
    }
  });
});
