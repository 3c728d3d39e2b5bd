import assert from "node:assert/strict";
import type { Consumer } from "@atendo/bus";
import { MessageStatus } from "@atendo/proto/common/v1";
import { type TenantReactivated, TenantReactivatedSchema } from "@atendo/proto/tenant/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { attemptRows, deliveryRow, type Harness, startHarness, type TestChannel } from "./support/harness.js";

describe("tenant changes (suspension, reactivation, channel updates)", function () {
  this.timeout(30_000);
  let h: Harness;
  let reactivations: Consumer;
  const reactivated: TenantReactivated[] = [];

  before(async () => {
    h = await startHarness();
    reactivations = await h.bus.consume({
      durable: "test-tenant-reactivated",
      schema: TenantReactivatedSchema,
      handler: (event) => {
        reactivated.push(event);
      },
    });
  });
  after(async () => {
    await reactivations?.stop();
    await h?.stop();
  });

  const sendsTo = (ch: TestChannel) => h.graph.sends.filter((s) => s.businessId === ch.phoneNumberId);
  const logged = (msg: string, field: string, value: string) => (r: Record<string, unknown>) =>
    r.msg === msg && r[field] === value;

  /** A first message sent on the channel: delivery now holds the channel in its cache. */
  async function warmUp(ch: TestChannel): Promise<void> {
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
  }

  /** A tenant whose channel delivery has cached as active, then suspended (the event applied). */
  async function suspendedAfterWarmUp(): Promise<TestChannel> {
    const ch = await h.newChannel();
    await warmUp(ch);
    await h.admin.clients.tenants.suspendTenant({ tenantId: ch.tenantId, reason: "unpaid invoice" });
    await h.waitForLog(
      logged("tenant suspended; its channels forgotten", "suspended_tenant_id", ch.tenantId),
      "the suspension applied",
    );
    return ch;
  }

  it("holds a suspended tenant's messages and sends each once when it is reactivated", async () => {
    const ch = await suspendedAfterWarmUp();

    const first = h.outbound(ch, { content: { case: "text", value: { body: "primeira" } } });
    const second = h.outbound(ch, { content: { case: "text", value: { body: "segunda" } } });
    second.conversationId = first.conversationId;
    await h.publishOutbound(first);
    await h.publishOutbound(second);
    for (const event of [first, second]) {
      await waitFor(async () => (await deliveryRow(event.messageId))?.status === "HELD", {
        message: () => `message ${event.messageId} to be held`,
      });
      assert.deepEqual(
        (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome, a.http_status]),
        [[1, "SKIPPED", 0]],
      );
    }
    assert.equal(sendsTo(ch).length, 1, "nothing reaches the Graph API while suspended");
    assert.deepEqual(
      h.statuses.filter((s) => s.messageId === first.messageId || s.messageId === second.messageId),
      [],
      "held is no news for the conversation: the message is still pending",
    );

    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });
    for (const event of [first, second]) {
      const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
      assert.equal(sent.attempt, 2);
      assert.equal(sent.meta?.correlationId, event.meta?.correlationId, "the conversation's chain goes on");
      assert.equal(sent.meta?.workspaceId, ch.workspaceId);
      assert.deepEqual(
        (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome]),
        [
          [1, "SKIPPED"],
          [2, "ACCEPTED"],
        ],
        "acknowledged while held: no retry ran during the suspension",
      );
    }
    assert.deepEqual(
      sendsTo(ch)
        .slice(1)
        .map((s) => (s.body as { text?: { body?: string } }).text?.body),
      ["primeira", "segunda"],
      "each held message sent exactly once, in order",
    );

    // The reactivation handed over again (a lost ack): nothing is sent twice.
    const event = await waitFor(() => reactivated.find((r) => r.tenantId === ch.tenantId));
    const eventId = event.meta?.eventId ?? "";
    await h.bus.publish(TenantReactivatedSchema, event, { msgId: `${eventId}-again` });
    await waitFor(
      () =>
        h.logs.records().filter((r) => r.msg === "held messages handled" && r.event_id === eventId).length ===
        2,
      { message: () => "the reactivation to be handled twice" },
    );
    const handled = h.logs
      .records()
      .filter((r) => r.msg === "held messages handled" && r.event_id === eventId);
    assert.deepEqual(
      handled.map((r) => [r.released, r.sent, r.republished]),
      [
        [2, 2, 0],
        [0, 0, 2],
      ],
    );
    assert.equal(sendsTo(ch).length, 3);
    for (const m of [first, second]) {
      assert.deepEqual(
        h.statuses.filter((s) => s.messageId === m.messageId).map((s) => s.status),
        [MessageStatus.SENT],
        "the republished status is a duplicate the stream drops",
      );
    }
  });

  it("finishes, on reactivation, what a stopped reconciler pass had released", async () => {
    const ch = await suspendedAfterWarmUp();
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await waitFor(async () => (await deliveryRow(event.messageId))?.status === "HELD", {
      message: () => `message ${event.messageId} to be held`,
    });
    // A pass released it and its process died: PENDING under a lease that has passed.
    await adminQuery(
      `update delivery.deliveries
          set status = 'PENDING', resumed_by_event_id = 'reconcile:dead-run', released_at_attempt = attempt_count,
              release_expires_at = now() - interval '1 second'
        where message_id = $1`,
      [event.messageId],
    );

    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });
    const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
    assert.equal(sent.attempt, 2);
    assert.equal(sendsTo(ch).length, 2, "the warm-up and the released message, once");
    const [row] = await adminQuery<{ resumed_by_event_id: string; release_expires_at: Date | null }>(
      "select resumed_by_event_id, release_expires_at from delivery.deliveries where message_id = $1",
      [event.messageId],
    );
    const reactivation = await waitFor(() => reactivated.find((r) => r.tenantId === ch.tenantId));
    assert.equal(row?.resumed_by_event_id, reactivation.meta?.eventId, "the event took the release over");
    assert.equal(row?.release_expires_at, null);
  });

  it("uses a changed access token after ChannelUpdated without waiting for the cache to expire", async () => {
    const ch = await h.newChannel();
    await warmUp(ch);
    // Both tokens work at the fake Graph API: only a forgotten cache makes delivery use the new one.
    const rotated = `${ch.token}-rotated`;
    h.graph.registerToken(rotated);
    await ch.owner.clients.channels.updateChannel({
      workspaceId: ch.workspaceId,
      channelId: ch.channelId,
      updateMask: { paths: ["access_token"] },
      accessToken: rotated,
    });
    await h.waitForLog(
      logged("channel updated; resolved channel forgotten", "channel_id", ch.channelId),
      "the channel update applied",
    );

    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    assert.deepEqual(
      sendsTo(ch).map((s) => [s.headers.authorization, s.response.status]),
      [
        [`Bearer ${ch.token}`, 200],
        [`Bearer ${rotated}`, 200],
      ],
    );
  });

  it("stops sending on a disabled channel as soon as its status changes", async () => {
    const ch = await h.newChannel();
    await warmUp(ch);
    await ch.owner.clients.channels.disableChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId });
    await h.waitForLog(
      logged("channel status changed; resolved channel forgotten", "channel_id", ch.channelId),
      "the status change applied",
    );

    const event = h.outbound(ch);
    await h.publishOutbound(event);
    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.title, "channel not active");
    assert.equal(sendsTo(ch).length, 1);
  });
});
