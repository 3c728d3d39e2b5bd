import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import type { OutboundCreated } from "@atendo/proto/conversation/v1";
import { adminQuery, testEnv, waitFor } from "@atendo/testing";
import pg from "pg";
import { attemptRows, deliveryRow, type Harness, startHarness, type TestChannel } from "./support/harness.js";

// The tenant service publishes on a namespace delivery does not read (isolateTenantEvents): neither
// TenantSuspended nor TenantReactivated ever reaches it, as when the event is lost. Only the periodic
// reconciler can release what the suspension held.

const sendsTo = (h: Harness, ch: TestChannel) =>
  h.graph.sends.filter((s) => s.businessId === ch.phoneNumberId);

async function holdOne(h: Harness, ch: TestChannel, body = "seu pedido saiu"): Promise<OutboundCreated> {
  const event = h.outbound(ch, { content: { case: "text", value: { body } } });
  await h.publishOutbound(event);
  await waitFor(async () => (await deliveryRow(event.messageId))?.status === "HELD", {
    message: () => `message ${event.messageId} to be held`,
  });
  return event;
}

async function suspendedChannel(h: Harness): Promise<TestChannel> {
  const ch = await h.newChannel();
  await h.admin.clients.tenants.suspendTenant({ tenantId: ch.tenantId, reason: "unpaid invoice" });
  return ch;
}

describe("held messages reconciled periodically (no TenantReactivated reaches delivery)", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    h = await startHarness(
      { heldReconcileIntervalMs: 100, logLevel: "debug" },
      { isolateTenantEvents: true },
    );
  });
  after(async () => {
    await h?.stop();
  });

  const keptPasses = (tenantId: string) =>
    h.logs
      .records()
      .filter((r) => r.msg === "tenant still suspended; held messages kept" && r.tenant_id === tenantId)
      .length;

  it("sends a message held during a suspension exactly once after the tenant is reactivated", async () => {
    const ch = await suspendedChannel(h);
    const event = await holdOne(h, ch);

    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });
    const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
    assert.equal(sent.attempt, 2);
    assert.equal(sent.meta?.correlationId, event.meta?.correlationId, "the conversation's chain goes on");
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome]),
      [
        [1, "SKIPPED"],
        [2, "ACCEPTED"],
      ],
    );
    const [row] = await adminQuery<{ resumed_by_event_id: string; release_expires_at: Date | null }>(
      "select resumed_by_event_id, release_expires_at from delivery.deliveries where message_id = $1",
      [event.messageId],
    );
    assert.match(row?.resumed_by_event_id ?? "", /^reconcile:/, "a reconciler pass released it");
    assert.equal(row?.release_expires_at, null, "the release is done with it");

    // Later passes (periodic and one run right now) leave it alone: one send, one status.
    const passes = keptPasses(ch.tenantId);
    const results = await h.delivery.reconcileHeld();
    assert.equal(results.filter((r) => r.tenantId === ch.tenantId).length, 0);
    assert.equal(keptPasses(ch.tenantId), passes);
    assert.deepEqual(
      sendsTo(h, ch).map((s) => (s.body as { text?: { body?: string } }).text?.body),
      ["seu pedido saiu"],
    );
    assert.deepEqual(
      h.statuses.filter((s) => s.messageId === event.messageId).map((s) => s.status),
      [MessageStatus.SENT],
    );
  });

  it("keeps a still-suspended tenant's messages held, pass after pass", async () => {
    const ch = await suspendedChannel(h);
    const event = await holdOne(h, ch);
    const before = keptPasses(ch.tenantId);
    await waitFor(() => keptPasses(ch.tenantId) >= before + 3, { message: "three passes over the tenant" });

    assert.equal((await deliveryRow(event.messageId))?.status, "HELD");
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome]),
      [[1, "SKIPPED"]],
    );
    assert.equal(sendsTo(h, ch).length, 0, "nothing reaches the Graph API while suspended");
    assert.deepEqual(
      h.statuses.filter((s) => s.messageId === event.messageId),
      [],
    );

    // Leaves nothing held behind for other tests' reconcilers.
    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
  });

  it("finishes a release whose run stopped half-way, once its lease has passed", async () => {
    const ch = await suspendedChannel(h);
    const pending = await holdOne(h, ch, "released, never sent");
    const settled = await holdOne(h, ch, "sent, never announced");
    // A run released both and died: one still PENDING under its lease, the other sent and recorded
    // but its StatusChanged never published.
    const [lease] = await adminQuery<{ release_expires_at: Date }>(
      `update delivery.deliveries
          set status = 'PENDING', resumed_by_event_id = 'reconcile:dead-run', released_at_attempt = attempt_count,
              release_expires_at = now() + interval '2 seconds'
        where message_id = $1
        returning release_expires_at`,
      [pending.messageId],
    );
    await adminQuery(
      `update delivery.deliveries
          set status = 'SENT', external_message_id = 'wamid.sent-by-dead-run', attempt_count = attempt_count + 1,
              resumed_by_event_id = 'reconcile:dead-run', released_at_attempt = attempt_count,
              release_expires_at = now() - interval '1 second'
        where message_id = $1`,
      [settled.messageId],
    );
    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });

    const announced = await h.waitForStatus(settled.messageId, MessageStatus.SENT);
    assert.equal(announced.externalMessageId, "wamid.sent-by-dead-run");
    await h.waitForStatus(pending.messageId, MessageStatus.SENT);
    const attempts = await adminQuery<{ started_at: Date }>(
      "select started_at from delivery.attempts where message_id = $1 and outcome = 'ACCEPTED'",
      [pending.messageId],
    );
    assert.equal(attempts.length, 1);
    assert.ok(
      (attempts[0]?.started_at.getTime() ?? 0) >= (lease?.release_expires_at.getTime() ?? Infinity),
      "nothing takes a release over while its lease runs",
    );
    assert.deepEqual(
      sendsTo(h, ch).map((s) => (s.body as { text?: { body?: string } }).text?.body),
      ["released, never sent"],
      "the message already sent is announced, not sent again",
    );
    for (const m of [pending, settled]) {
      const [row] = await adminQuery<{ release_expires_at: Date | null }>(
        "select release_expires_at from delivery.deliveries where message_id = $1",
        [m.messageId],
      );
      assert.equal(row?.release_expires_at, null);
    }
  });
});

describe("held messages reconciled by two replicas at once", function () {
  this.timeout(60_000);
  let h: Harness;

  before(async () => {
    // No timer: the test starts both passes itself, at the same moment.
    h = await startHarness({}, { isolateTenantEvents: true });
  });
  after(async () => {
    await h?.stop();
  });

  it("sends a held message once when two replicas release it together", async () => {
    const replica = await h.startReplica();
    const ch = await suspendedChannel(h);
    const event = await holdOne(h, ch);
    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });

    // Hold the row so that both passes reach the release and wait on it; then let both go at once.
    const blocker = new pg.Client({ connectionString: testEnv().adminUrl });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select 1 from delivery.deliveries where message_id = $1 for update", [
        event.messageId,
      ]);
      const passes = Promise.all([h.delivery.reconcileHeld(), replica.reconcileHeld()]);
      // One waits on the test's lock, the other behind it in the row's lock queue.
      await waitFor(
        async () => {
          const [waiting] = await adminQuery<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
              where usename = 'atendo_delivery' and datname = current_database()
                and cardinality(pg_blocking_pids(pid)) > 0 and query like 'update delivery.deliveries%'`,
          );
          return waiting?.n === 2;
        },
        { message: "both replicas waiting on the held row" },
      );
      await blocker.query("commit");
      const [first, second] = await passes;
      const released = [first, second].map((results) => {
        const mine = results.find((r) => r.tenantId === ch.tenantId);
        return mine?.state === "released" ? mine.report.released : -1;
      });
      assert.deepEqual(
        released.sort((a, b) => a - b),
        [0, 1],
        "one replica released it, the other found nothing held",
      );
    } finally {
      await blocker.end();
    }

    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome]),
      [
        [1, "SKIPPED"],
        [2, "ACCEPTED"],
      ],
    );
    assert.equal(sendsTo(h, ch).length, 1, "the fake Graph API saw one send");
    assert.deepEqual(
      h.statuses.filter((s) => s.messageId === event.messageId).map((s) => s.status),
      [MessageStatus.SENT],
    );
  });
});
