import assert from "node:assert/strict";
import { type Bus, connectBus } from "@atendo/bus";
import { WebhookEventStatus, WebhookService } from "@atendo/proto/ingress/v1";
import { clientsFor, limitStreamMessageSize, uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { textDelivery } from "./support/deliveries.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { forChannel, type Harness, startHarness, type TestChannel } from "./support/harness.js";
import { captureLogs, type LogLines } from "./support/log-lines.js";
import { insertRows, rowsOf } from "./support/rows.js";
import { createTestMetrics, type TestMetrics } from "./support/test-metrics.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

// As many poison rows as the sweeper takes in one pass: before rows had attempts and a due time,
// such a batch was taken again on every pass and no other row was ever republished.
const POISON = 5;
const MAX_ATTEMPTS = 3;

/** A WhatsApp `order` (unsupported: its JSON travels along) nested `depth` objects deep. */
function nestedOrder(channel: TestChannel, depth: number): Buffer {
  const json = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const message = waMessage("order", { order: { catalog_id: "c1" } });
  const body = waBody({ contacts: [ANA], messages: [message] })
    .toString("utf8")
    .replace('{"catalog_id":"c1"}', json);
  return forChannel(channel, Buffer.from(body, "utf8"));
}

/** An unsupported message whose JSON (and so its event) is about `bytes` long. */
function largeUnsupported(channel: TestChannel, bytes: number): Buffer {
  const message = waMessage("order", { order: { catalog_id: "c1", note: "n".repeat(bytes) } });
  return forChannel(channel, waBody({ contacts: [ANA], messages: [message] }));
}

describe("poison rows in the ingress outbox", function () {
  this.timeout(60_000);
  let h: Harness;
  let namespace: string;
  let ingress: RunningService;
  let bus: Bus;
  let events: EventCollector;
  let logs: LogLines;
  let metrics: TestMetrics;
  let victim: TestChannel;

  before(async () => {
    // The harness's own instance never sweeps during this file: only the instance below does.
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    namespace = uniqueNamespace("ingress");
    logs = captureLogs("warn");
    metrics = createTestMetrics();
    ingress = await start(
      h.ingressConfig({
        busNamespace: namespace,
        sweepQueuedAfterMs: 300,
        sweepIntervalMs: 100,
        sweepBatchSize: POISON,
        sweepMaxAttempts: MAX_ATTEMPTS,
        sweepRetryInitialMs: 200,
        sweepRetryMaxMs: 400,
      }),
      { logger: logs.logger, meterProvider: metrics.meterProvider },
    );
    bus = await connectBus({ servers: h.env.natsUrl, name: "poison-test", logger: h.logger, namespace });
    events = await collectIngressEvents(bus);
    victim = await h.createChannel();
  });

  after(async () => {
    await events?.stop();
    await ingress?.stop();
    await bus?.deleteNamespaceStreams();
    await bus?.close();
    await metrics?.shutdown();
    await h?.stop();
  });

  /** Another tenant's ordinary row, queued after the poison: the sweep must still reach it. */
  async function victimRowIsRepublished(): Promise<void> {
    const [id] = await insertRows(victim, textDelivery(victim).body);
    await waitFor(
      async () => (await rowsOf(victim.channelId)).find((r) => r.id === id)?.status === "accepted",
      { timeoutMs: 15_000, message: "the other tenant's queued row to be republished" },
    );
  }

  it("publishes a 1.2 MB text clipped to the contract, marked with its original size", async () => {
    const channel = await h.createChannel();
    const text = "a".repeat(1_200_000);
    const { body, wamid } = textDelivery(channel, text);
    await insertRows(channel, body, { count: POISON, agoMs: 3_600_000 });
    await victimRowIsRepublished();

    const rows = await waitFor(
      async () => {
        const all = await rowsOf(channel.channelId);
        return all.every((r) => r.status === "accepted") ? all : undefined;
      },
      { message: "the large rows to be accepted" },
    );
    assert.equal(rows.length, POISON);
    assert.ok(
      rows.every((r) => r.body.equals(body)),
      "the stored body keeps every byte",
    );
    await events.settle();
    const [published] = events.messages(channel.channelId);
    assert.equal(published?.msgId, wamid);
    const content = published?.event.message?.content;
    assert.equal(content?.case, "text");
    assert.equal(content.value.body, "a".repeat(4096));
    assert.deepEqual(
      published?.event.clipped.map((c) => [c.path, c.originalBytes]),
      [["message.text.body", 1_200_000]],
    );
  });

  it("publishes a deeply nested unsupported message without its JSON instead of throwing", async () => {
    const channel = await h.createChannel();
    await insertRows(channel, nestedOrder(channel, 10_000), { count: POISON, agoMs: 3_600_000 });
    await victimRowIsRepublished();

    await waitFor(async () => (await rowsOf(channel.channelId)).every((r) => r.status === "accepted"), {
      message: "the nested rows to be accepted",
    });
    await events.settle();
    const [published] = events.messages(channel.channelId);
    const content = published?.event.message?.content;
    assert.equal(content?.case, "unsupported");
    assert.equal(content.value.originalType, "order");
    assert.equal(content.value.rawJson, "");
    assert.equal(published?.event.raw, "");
    assert.deepEqual(
      published?.event.clipped.map((c) => c.path),
      ["raw", "message.unsupported.raw_json"],
    );
  });

  it("gives up on a row whose publish keeps failing: attempts, backoff, `failed`, and a replay once fixed", async () => {
    const channel = await h.createChannel();
    // The stream refuses messages over 64 KiB: this row's event (~100 KB) can never be stored.
    const stream = bus.streamFor("ingress");
    await limitStreamMessageSize(stream, 64 * 1024);
    const ids = await insertRows(channel, largeUnsupported(channel, 100_000), {
      count: POISON,
      agoMs: 3_600_000,
    });
    await victimRowIsRepublished();

    const failed = await waitFor(
      async () => {
        const rows = await rowsOf(channel.channelId);
        return rows.every((r) => r.status === "failed") ? rows : undefined;
      },
      { message: "the rows to reach `failed`" },
    );
    for (const row of failed) {
      assert.equal(row.attempts, MAX_ATTEMPTS);
      assert.match(row.last_error, /maximum|size/i);
      assert.equal(row.next_attempt_at, null);
      assert.ok(row.processed_at instanceof Date);
    }
    // Visible to operators: the list RPC filters by FAILED, an error line per row, a metric.
    // Through this instance: its stream is the one that refused the events.
    const { webhooks } = clientsFor(`http://127.0.0.1:${ingress.port}`, channel.owner.accessToken, {
      webhooks: WebhookService,
    });
    const listed = await webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      status: WebhookEventStatus.FAILED,
    });
    assert.deepEqual(listed.events.map((e) => e.id).sort(), [...ids].sort());
    assert.equal(listed.events[0]?.attempts, MAX_ATTEMPTS);
    assert.match(listed.events[0]?.lastError ?? "", /maximum|size/i);
    const errorLines = logs
      .lines()
      .filter((l) => l.level === "error" && ids.includes(String(l.correlation_id)));
    assert.equal(errorLines.length, POISON);
    assert.match(String(errorLines[0]?.msg), /failed/);
    assert.equal(await metrics.counter("atendo.ingress.webhooks.failed"), POISON);

    // Fixed (the stream takes larger messages again): a replay publishes the row and accepts it.
    await limitStreamMessageSize(stream, -1);
    const replayed = await webhooks.replayWebhookEvent({
      workspaceId: channel.workspaceId,
      webhookEventId: ids[0] ?? "",
    });
    assert.equal(replayed.event?.status, WebhookEventStatus.ACCEPTED);
    await events.settle();
    assert.equal(events.messages(channel.channelId).length, 1);
  });
});
