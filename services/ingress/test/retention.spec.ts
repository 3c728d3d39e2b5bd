import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { adminQuery, uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { textDelivery } from "./support/deliveries.js";
import { type Harness, startHarness, type TestChannel } from "./support/harness.js";
import { insertRows } from "./support/rows.js";

const DAY_MS = 24 * 3_600_000;

describe("retention of webhook_events and the inbox (RETENTION_DAYS, real Postgres)", function () {
  this.timeout(30_000);
  let h: Harness;
  let channel: TestChannel;
  let disabled: TestChannel;
  let pruning: RunningService | undefined;

  before(async () => {
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    channel = await h.createChannel();
    // Its held rows stay held whatever the sweeper of the pruning replica rechecks.
    disabled = await h.createChannel({ owner: channel.owner });
    await channel.owner.clients.channels.disableChannel({
      workspaceId: disabled.workspaceId,
      channelId: disabled.channelId,
      reason: "paused",
    });
  });

  after(async () => {
    await pruning?.stop();
    await h?.stop();
  });

  const exists = async (table: string, column: string, id: string) =>
    (await adminQuery(`select 1 from ingress.${table} where ${column} = $1`, [id])).length === 1;

  it("deletes settled deliveries and inbox rows past RETENTION_DAYS and keeps every delivery still to act on", async () => {
    const { body } = textDelivery(channel);
    const old = { agoMs: 31 * DAY_MS };
    const gone = [
      ...(await insertRows(channel, body, { ...old, status: "accepted" })),
      ...(await insertRows(channel, body, { ...old, status: "rejected", reason: "bad signature" })),
    ];
    // Waiting for its next attempt, so the pruning replica's first sweep leaves it queued.
    const queued = await insertRows(channel, body, { ...old, status: "queued" });
    await adminQuery(
      "update ingress.webhook_events set next_attempt_at = now() + interval '1 day' where id = $1",
      [queued[0]],
    );
    const kept = [
      ...queued,
      ...(await insertRows(disabled, body, { ...old, status: "held", reason: "channel disabled" })),
      // Its events never went out: kept until an operator replays it.
      ...(await insertRows(channel, body, { ...old, status: "failed", reason: "publishing failed" })),
      ...(await insertRows(channel, body, { agoMs: 29 * DAY_MS, status: "accepted" })),
    ];
    const inbox = (eventId: string, agoDays: number) =>
      adminQuery(
        `insert into ingress.processed_events (tenant_id, consumer, event_id, processed_at)
         values ($1, 'ingress-channel_changes', $2, now() - make_interval(days => $3))`,
        [channel.tenantId, eventId, agoDays],
      );
    const oldEvent = randomUUID();
    const recentEvent = randomUUID();
    await inbox(oldEvent, 31);
    await inbox(recentEvent, 1);

    // A replica runs the job at start, then every RETENTION_INTERVAL_MS.
    pruning = await start(
      h.ingressConfig({
        busNamespace: uniqueNamespace("ingress"),
        retention: { maxAgeMs: 30 * DAY_MS, intervalMs: 3_600_000 },
      }),
      { logger: h.logger },
    );
    await waitFor(
      async () => {
        for (const id of gone) if (await exists("webhook_events", "id", id)) return false;
        return !(await exists("processed_events", "event_id", oldEvent));
      },
      { message: "the settled deliveries and the inbox row past retention to be deleted" },
    );
    for (const id of kept) assert.ok(await exists("webhook_events", "id", id), `${id} is kept`);
    assert.ok(await exists("processed_events", "event_id", recentEvent), "a recent inbox row is kept");
  });
});
