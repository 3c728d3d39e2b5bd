import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { newId } from "@atendo/db";
import { adminQuery, signMeta, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { expectedMessages, textDelivery } from "./support/deliveries.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, postSigned, postWebhook, startHarness, type TestChannel } from "./support/harness.js";
import { rowsOf, settledRowsOf, type WebhookRow } from "./support/rows.js";

describe("channel and tenant changes reach the webhook path (ingress-channel_changes)", function () {
  this.timeout(30_000);
  let h: Harness;
  let events: EventCollector;
  // A second replica of the same deployment: the durable consumer's work goes to one of the two.
  let replica: RunningService;
  let replicaUrl: string;

  before(async () => {
    // No sweeps during these tests (one test starts its own sweeping instance): releases are the consumer's.
    h = await startHarness({ SWEEP_INTERVAL_MS: "600000" });
    events = await collectIngressEvents(h.bus);
    replica = await start(h.ingressConfig(), { logger: h.logger });
    replicaUrl = `http://127.0.0.1:${replica.port}`;
  });

  after(async () => {
    await events?.stop();
    await replica?.stop();
    await h?.stop();
  });

  const entryKey = (channel: TestChannel) => `${h.namespace}:channel:${channel.channelId}`;

  /** Posts new messages until one is stored with `status`; resolves with that row. */
  const postUntil = (url: string, channel: TestChannel, status: string) =>
    waitFor(
      async () => {
        const { body } = textDelivery(channel);
        assert.equal((await postSigned(url, channel, body)).status, 200);
        const rows = await settledRowsOf(channel.channelId);
        const last = rows.at(-1);
        return last?.status === status ? last : undefined;
      },
      { timeoutMs: 8_000, intervalMs: 100, message: `a delivery to be stored ${status}` },
    );

  /** Every held row's messages are published once, with the msgIDs and event ids of a normal accept. */
  async function assertPublishedOnce(channel: TestChannel, released: WebhookRow[]): Promise<void> {
    await events.settle();
    const published = events.messages(channel.channelId);
    for (const row of released) {
      for (const expected of expectedMessages(channel, row)) {
        const copies = published.filter((m) => m.event.externalMessageId === expected.wamid);
        assert.equal(copies.length, 1, `${expected.wamid} published once`);
        assert.equal(copies[0]?.msgId, expected.msgId);
        assert.equal(copies[0]?.event.meta?.eventId, expected.eventId);
        assert.equal(copies[0]?.event.webhookEventId, row.id);
      }
    }
  }

  it("sees a changed app secret within seconds on every replica, through the Redis entry the event drops", async () => {
    const channel = await h.createChannel();
    for (const url of [h.ingressUrl, replicaUrl]) {
      assert.equal((await postSigned(url, channel, textDelivery(channel).body)).status, 200);
    }
    assert.equal(await h.redis.exists(entryKey(channel)), 1, "the lookup is cached in Redis");

    const appSecret = `app-secret-${randomBytes(8).toString("hex")}`;
    await channel.owner.clients.channels.updateChannel({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      updateMask: { paths: ["app_secret"] },
      appSecret,
    });
    for (const url of [h.ingressUrl, replicaUrl]) {
      await waitFor(
        async () => {
          const { body } = textDelivery(channel);
          return (await postWebhook(url, channel.channelId, body, signMeta(appSecret, body))).status === 200;
        },
        { timeoutMs: 8_000, intervalMs: 100, message: "the new app secret to be accepted" },
      );
      const { body } = textDelivery(channel);
      const old = await postWebhook(url, channel.channelId, body, signMeta(channel.appSecret, body));
      assert.equal(old.status, 401, "the old secret no longer passes");
    }
  });

  it("holds a disabled channel's deliveries within seconds, and publishes them once it is enabled again", async () => {
    const channel = await h.createChannel();
    assert.equal((await postSigned(h.ingressUrl, channel, textDelivery(channel).body)).status, 200);
    await channel.owner.clients.channels.disableChannel({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      reason: "paused",
    });
    // Both replicas hear the change (test/every-replica.spec.ts times it).
    for (const url of [replicaUrl, h.ingressUrl]) {
      assert.equal((await postUntil(url, channel, "held")).reason, "channel disabled");
    }
    for (const url of [h.ingressUrl, replicaUrl]) {
      assert.equal((await postSigned(url, channel, textDelivery(channel).body)).status, 200);
    }
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.slice(-2).map((r) => r.status),
      ["held", "held"],
      "both replicas hold from now on",
    );
    const held = rows.filter((r) => r.status === "held");
    await events.settle();
    const heldWamids = held.flatMap((r) => expectedMessages(channel, r).map((m) => m.wamid));
    assert.deepEqual(
      events.messages(channel.channelId).filter((m) => heldWamids.includes(m.event.externalMessageId)),
      [],
      "nothing held is published",
    );

    await channel.owner.clients.channels.enableChannel({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
    });
    const released = await waitFor(
      async () => {
        const rows = await rowsOf(channel.channelId);
        const again = rows.filter((r) => held.some((x) => x.id === r.id));
        return again.every((r) => r.status === "accepted") ? again : undefined;
      },
      { message: "the held deliveries to be accepted" },
    );
    assert.ok(released.every((r) => r.processed_at instanceof Date && r.message_count === 1));
    await assertPublishedOnce(channel, held);
  });

  it("stores a suspended tenant's webhooks as held with 200, publishes nothing, and publishes them once on reactivation", async () => {
    const channel = await h.createChannel();
    // A second channel of the tenant, disabled: reactivating the tenant does not release it.
    const disabled = await h.createChannel({ owner: channel.owner });
    for (const c of [channel, disabled]) {
      assert.equal((await postSigned(h.ingressUrl, c, textDelivery(c).body)).status, 200);
    }
    await disabled.owner.clients.channels.disableChannel({
      workspaceId: disabled.workspaceId,
      channelId: disabled.channelId,
      reason: "not in use",
    });
    await h.admin.tenants.suspendTenant({ tenantId: channel.tenantId, reason: "unpaid invoice" });

    const first = await postUntil(h.ingressUrl, channel, "held");
    assert.equal(first.reason, "tenant suspended");
    await postUntil(replicaUrl, channel, "held");
    const heldOnDisabled = await postUntil(h.ingressUrl, disabled, "held");
    const held = (await settledRowsOf(channel.channelId)).filter((r) => r.status === "held");
    assert.ok(held.length >= 2);
    await events.settle();
    const heldWamids = held.flatMap((r) => expectedMessages(channel, r).map((m) => m.wamid));
    assert.equal(
      events.messages(channel.channelId).filter((m) => heldWamids.includes(m.event.externalMessageId)).length,
      0,
      "nothing held is published",
    );

    await h.admin.tenants.reactivateTenant({ tenantId: channel.tenantId });
    await waitFor(
      async () => {
        const rows = await rowsOf(channel.channelId);
        return rows.every((r) => r.status === "accepted");
      },
      { message: "the held deliveries to be accepted" },
    );
    await assertPublishedOnce(channel, held);
    // Accepted rows stay accepted, and a new webhook is published at once.
    assert.equal((await postUntil(replicaUrl, channel, "accepted")).status, "accepted");

    const stillHeld = (await rowsOf(disabled.channelId)).find((r) => r.id === heldOnDisabled.id);
    assert.equal(stillHeld?.status, "held", "the disabled channel keeps its deliveries held");
    assert.equal(
      events.messages(disabled.channelId).filter((m) => m.event.webhookEventId === heldOnDisabled.id).length,
      0,
    );
  });

  it("has the sweeper release a delivery held late by a replica that had not heard of the change", async () => {
    const channel = await h.createChannel();
    const { body } = textDelivery(channel);
    const id = newId();
    // What a replica still remembering the suspension writes just after the reactivation's release ran.
    await adminQuery(
      `insert into ingress.webhook_events (id, tenant_id, workspace_id, channel_id, channel_type, status, reason,
         body, body_size, message_count, received_at)
       values ($1, $2, $3, $4, 'whatsapp', 'held', 'tenant suspended', $5, $6, 1, now())`,
      [id, channel.tenantId, channel.workspaceId, channel.channelId, body, body.length],
    );
    const sweeping = await start(h.ingressConfig({ sweepIntervalMs: 100 }), { logger: h.logger });
    try {
      const [row] = await waitFor(
        async () => {
          const rows = await rowsOf(channel.channelId);
          return rows[0]?.status === "accepted" ? rows : undefined;
        },
        { message: "the sweeper to release the held delivery" },
      );
      assert.equal(row?.id, id);
      assert.equal(row?.message_count, 1);
      assert.ok(row?.processed_at instanceof Date);
      await assertPublishedOnce(channel, [{ ...(row as WebhookRow), body }]);
    } finally {
      await sweeping.stop();
    }
  });
});
