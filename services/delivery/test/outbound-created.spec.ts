import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ActorKind, ChannelType, MessageStatus } from "@atendo/proto/common/v1";
import { ChannelStatus } from "@atendo/proto/tenant/v1";
import { adminQuery, GRAPH_ERRORS, waitFor } from "@atendo/testing";
import { OUTBOUND_CREATED_DURABLE } from "../src/consumers/outbound-created.js";
import { attemptRows, deliveryRow, type Harness, RECIPIENT, startHarness } from "./support/harness.js";

describe("OutboundCreated consumer (WhatsApp)", function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(() => h?.stop());

  const sendsTo = (phoneNumberId: string) => h.graph.sends.filter((s) => s.businessId === phoneNumberId);

  it("sends once with the recipient, text and token, stores the wamid and publishes SENT", async () => {
    const ch = await h.newChannel();
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    const status = await h.waitForStatus(event.messageId, MessageStatus.SENT);
    const sends = sendsTo(ch.phoneNumberId);
    assert.equal(sends.length, 1);
    const [send] = sends;
    assert.ok(send);
    assert.equal(send.to, `+${RECIPIENT}`);
    assert.equal(send.headers.authorization, `Bearer ${ch.token}`);
    assert.deepEqual(send.body, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: `+${RECIPIENT}`,
      type: "text",
      text: { body: "Olá! Seu pedido saiu para entrega.", preview_url: false },
    });
    const wamid = (send.response.body as { messages: Array<{ id: string }> }).messages[0]?.id;
    assert.ok(wamid);

    assert.equal(status.externalMessageId, wamid);
    assert.equal(status.attempt, 1);
    assert.equal(status.channelId, ch.channelId);
    assert.equal(status.conversationId, event.conversationId);
    assert.equal(status.meta?.causationId, event.meta?.eventId);
    assert.equal(status.meta?.correlationId, event.meta?.correlationId);
    assert.equal(status.meta?.tenantId, ch.tenantId);
    // A public event: what a subscriber needs, without calling back; a send is Atendo's doing.
    assert.equal(status.messageId, event.messageId);
    assert.equal(status.contactId, event.contactId);
    assert.equal(status.channelType, ChannelType.WHATSAPP);
    assert.deepEqual(
      [status.meta?.actor?.kind, status.meta?.actor?.displayName],
      [ActorKind.SYSTEM, "service:delivery"],
    );

    const row = await deliveryRow(event.messageId);
    assert.equal(row?.status, "SENT");
    assert.equal(row?.external_message_id, wamid);
    assert.equal(row?.attempt_count, 1);
    const attempts = await attemptRows(event.messageId);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome, a.http_status, a.external_message_id]),
      [[1, "ACCEPTED", 200, wamid]],
    );
    // The token never reaches a log line.
    assert.ok(!h.logs.raw.some((line) => line.includes(ch.token)));
  });

  it("never sends a message twice: same event redelivered, or a new event for the same message", async () => {
    const ch = await h.newChannel();
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);

    // The same event again (another msgID so the stream keeps it): a redelivery as after a lost ack.
    await h.publishOutbound(event, `${event.meta?.eventId}-redelivered`);
    await waitFor(
      () =>
        h.logs
          .records()
          .some((r) => r.event_id === event.meta?.eventId && r.msg === "already settled; status republished"),
      { message: "the redelivered event to be handled" },
    );
    // A second event (new id) for the same message, as a publisher retrying with a fresh envelope.
    const again = h.outbound(ch);
    again.messageId = event.messageId;
    again.conversationId = event.conversationId;
    await h.publishOutbound(again);
    const [row] = await waitFor(async () => {
      const rows = await h.processed(OUTBOUND_CREATED_DURABLE, again.meta?.eventId ?? "");
      return rows.length === 1 ? rows : undefined;
    });
    assert.equal(row?.outputs.length, 1, "the second event republishes the SENT status");

    assert.equal(sendsTo(ch.phoneNumberId).length, 1);
    assert.equal((await deliveryRow(event.messageId))?.attempt_count, 1);
    const sent = h.statuses.filter((s) => s.messageId === event.messageId);
    assert.deepEqual(
      sent.map((s) => s.status),
      [MessageStatus.SENT],
      "republished under the same msgID: the stream keeps one",
    );
  });

  it("sends once when several events for one message arrive together", async () => {
    const ch = await h.newChannel();
    const first = h.outbound(ch);
    const copies = [first, h.outbound(ch), h.outbound(ch)];
    for (const copy of copies) {
      copy.messageId = first.messageId;
      copy.conversationId = first.conversationId;
    }
    await Promise.all(copies.map((c) => h.publishOutbound(c)));
    await h.waitForStatus(first.messageId, MessageStatus.SENT);
    await waitFor(async () => {
      for (const c of copies) {
        if ((await h.processed(OUTBOUND_CREATED_DURABLE, c.meta?.eventId ?? "")).length !== 1) return false;
      }
      return true;
    });
    assert.equal(sendsTo(ch.phoneNumberId).length, 1);
    assert.equal((await deliveryRow(first.messageId))?.attempt_count, 1);
  });

  it("fails at once on 131047 (window closed), without retrying", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({ ...GRAPH_ERRORS.windowClosed, match: { businessId: ch.phoneNumberId } });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.code, 131047);
    assert.equal(failed.error?.retryable, false);
    assert.equal(failed.error?.title, "Re-engagement message");
    const row = await deliveryRow(event.messageId);
    assert.equal(row?.status, "FAILED");
    assert.equal(row?.last_error_code, 131047);
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => [a.outcome, a.http_status, a.error_code]),
      [["PERMANENT_FAILURE", 400, 131047]],
    );
    // FAILED is published when the event is settled: nothing can retry it afterwards.
    assert.equal((await h.processed(OUTBOUND_CREATED_DURABLE, event.meta?.eventId ?? "")).length, 1);
    assert.equal(sendsTo(ch.phoneNumberId).length, 1);
  });

  it("stores a Graph error whose text Postgres cannot hold (a NUL, a lone surrogate), cleaned", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({
      status: 400,
      code: 131026,
      message: "(#131026) Message\u0000undeliverable",
      details: "recipient \ud83d cannot receive",
      match: { businessId: ch.phoneNumberId },
    });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    // Before: recording the answer failed on the NUL; the bus retried the send until it gave up.
    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.code, 131026);
    assert.equal(failed.error?.title, "Message\uFFFDundeliverable", "announced as stored");
    const [row] = await adminQuery<{ last_error_title: string; last_error_details: string }>(
      "select last_error_title, last_error_details from delivery.deliveries where message_id = $1",
      [event.messageId],
    );
    assert.deepEqual(row, {
      last_error_title: "Message\uFFFDundeliverable",
      last_error_details: "recipient \uFFFD cannot receive",
    });
    const [attempt] = await adminQuery<{
      error_title: string;
      error_message: string;
      response_snippet: string;
    }>("select error_title, error_message, response_snippet from delivery.attempts where message_id = $1", [
      event.messageId,
    ]);
    assert.equal(attempt?.error_title, "Message\uFFFDundeliverable");
    assert.equal(attempt?.error_message, "(#131026) Message\uFFFDundeliverable");
    assert.match(
      attempt?.response_snippet ?? "",
      /Message\\u0000undeliverable/,
      "the answer's JSON as it came",
    );
    assert.equal(sendsTo(ch.phoneNumberId).length, 1, "sent once: the failure was recorded, not retried");
  });

  it("backs off on 130429 and sends on the next attempt", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({ ...GRAPH_ERRORS.throughput, match: { businessId: ch.phoneNumberId } });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
    assert.equal(sent.attempt, 2);
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => [a.attempt, a.outcome, a.http_status, a.error_code]),
      [
        [1, "RETRYABLE_FAILURE", 429, 130429],
        [2, "ACCEPTED", 200, null],
      ],
    );
    assert.deepEqual(
      sendsTo(ch.phoneNumberId).map((s) => s.response.status),
      [429, 200],
    );
    assert.equal((await deliveryRow(event.messageId))?.status, "SENT");
  });

  it("holds the recipient back after 131056 (pair rate limit) and then sends", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({ ...GRAPH_ERRORS.pairRateLimit, match: { businessId: ch.phoneNumberId } });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    const sends = sendsTo(ch.phoneNumberId);
    assert.deepEqual(
      sends.map((s) => s.response.status),
      [400, 200],
    );
    const [first, second] = sends;
    assert.ok(first && second);
    // 4^1 units of 5 ms.
    assert.ok(second.at.getTime() - first.at.getTime() >= 20, "waited for the recipient's hold");
  });

  it("retries 5xx with growing delays, then fails after the last delivery", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({ ...GRAPH_ERRORS.internal, times: 10, match: { businessId: ch.phoneNumberId } });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.title, "gave up after 4 attempts");
    assert.equal(failed.error?.code, 131000);
    assert.equal(failed.error?.retryable, false);
    assert.equal(failed.attempt, 4);
    const row = await deliveryRow(event.messageId);
    assert.equal(row?.status, "FAILED");
    assert.equal(row?.last_error_title, "gave up after 4 attempts");
    const attempts = await attemptRows(event.messageId);
    assert.deepEqual(
      attempts.map((a) => [a.outcome, a.http_status]),
      Array.from({ length: 4 }, () => ["RETRYABLE_FAILURE", 500]),
    );
    const at = sendsTo(ch.phoneNumberId).map((s) => s.at.getTime());
    assert.equal(at.length, 4);
    // Backoff 20 ms, 40 ms, 80 ms between deliveries.
    for (let i = 1; i < at.length; i++) {
      const gap = (at[i] ?? 0) - (at[i - 1] ?? 0);
      assert.ok(gap >= 20 * 2 ** (i - 1), `gap ${i} was ${gap} ms`);
    }
  });

  it("marks the channel NEEDS_RECONNECT on 190 and fails the message", async () => {
    const ch = await h.newChannel();
    h.graph.failNext({ ...GRAPH_ERRORS.tokenExpired, match: { businessId: ch.phoneNumberId } });
    const event = h.outbound(ch);
    await h.publishOutbound(event);

    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.code, 190);
    const { channel } = await ch.owner.clients.channels.getChannel({
      workspaceId: ch.workspaceId,
      channelId: ch.channelId,
    });
    assert.equal(channel?.status, ChannelStatus.NEEDS_RECONNECT);
    assert.match(channel?.statusReason ?? "", /190/);
    assert.deepEqual(
      (await attemptRows(event.messageId)).map((a) => a.outcome),
      ["AUTH_FAILURE"],
    );

    // Later messages on the channel are not sent until someone reconnects it.
    const next = h.outbound(ch);
    await h.publishOutbound(next);
    const skipped = await h.waitForStatus(next.messageId, MessageStatus.FAILED);
    assert.equal(skipped.error?.title, "channel not active");
    assert.deepEqual(
      (await attemptRows(next.messageId)).map((a) => [a.outcome, a.http_status]),
      [["SKIPPED", 0]],
    );
    assert.equal(sendsTo(ch.phoneNumberId).length, 1);
  });

  it("fails content WhatsApp cannot carry without calling it", async () => {
    const ch = await h.newChannel();
    const event = h.outbound(ch, {
      content: { case: "unsupported", value: { originalType: "order", rawJson: "{}" } },
    });
    await h.publishOutbound(event);
    const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.title, "content not supported");
    assert.match(failed.error?.message ?? "", /unsupported content \(order\)/);
    assert.equal(sendsTo(ch.phoneNumberId).length, 0);
  });

  it("fails messages for channels the tenant does not have", async () => {
    const ch = await h.newChannel();
    const other = await h.newChannel();
    const unknown = h.outbound(ch);
    unknown.channelId = newId();
    const foreign = h.outbound(ch);
    foreign.channelId = other.channelId;
    await h.publishOutbound(unknown);
    await h.publishOutbound(foreign);
    for (const event of [unknown, foreign]) {
      const failed = await h.waitForStatus(event.messageId, MessageStatus.FAILED);
      assert.equal(failed.error?.title, "channel not found");
    }
    assert.equal(sendsTo(other.phoneNumberId).length, 0);
  });

  describe("without the tenant's events", () => {
    // ChannelUpdated normally drops the cached channel at once; when it is late, a 190 makes
    // delivery look the channel up again before giving up.
    let isolated: Harness;
    before(async () => {
      isolated = await startHarness({}, { isolateTenantEvents: true });
    });
    after(() => isolated?.stop());

    it("refreshes a rotated token after a 190 before giving up", async () => {
      const ch = await isolated.newChannel();
      const warmup = isolated.outbound(ch);
      await isolated.publishOutbound(warmup);
      await isolated.waitForStatus(warmup.messageId, MessageStatus.SENT);

      // The token changes at the tenant service while delivery still holds the old one.
      const rotated = `${ch.token}-rotated`;
      isolated.graph.registerToken(rotated);
      await ch.owner.clients.channels.updateChannel({
        workspaceId: ch.workspaceId,
        channelId: ch.channelId,
        updateMask: { paths: ["access_token"] },
        accessToken: rotated,
      });
      isolated.graph.failNext({ ...GRAPH_ERRORS.tokenExpired, match: { businessId: ch.phoneNumberId } });
      const event = isolated.outbound(ch);
      await isolated.publishOutbound(event);

      await isolated.waitForStatus(event.messageId, MessageStatus.SENT);
      const sends = isolated.graph.sends.filter((s) => s.businessId === ch.phoneNumberId).slice(1);
      assert.deepEqual(
        sends.map((s) => [s.headers.authorization, s.response.status]),
        [
          [`Bearer ${ch.token}`, 401],
          [`Bearer ${rotated}`, 200],
        ],
      );
      const { channel } = await ch.owner.clients.channels.getChannel({
        workspaceId: ch.workspaceId,
        channelId: ch.channelId,
      });
      assert.equal(channel?.status, ChannelStatus.ACTIVE);
    });
  });

  describe("a send claimed by another handler", () => {
    /** A delivery left SENDING by another event's handler, `ageMs` ago, with its attempt open. */
    async function claimedElsewhere(
      event: ReturnType<Harness["outbound"]>,
      ch: { tenantId: string; workspaceId: string },
      ageMs: number,
    ) {
      const deliveryId = newId();
      const startedAt = new Date(Date.now() - ageMs);
      await adminQuery(
        `insert into delivery.deliveries (id, tenant_id, workspace_id, message_id, conversation_id, channel_id,
           channel_type, recipient, status, attempt_count, sending_event_id, sending_started_at, request)
         values ($1, $2, $3, $4, $5, $6, 'WHATSAPP', $7, 'SENDING', 1, $8, $9, '\\x'::bytea)`,
        [
          deliveryId,
          ch.tenantId,
          ch.workspaceId,
          event.messageId,
          event.conversationId,
          event.channelId,
          RECIPIENT,
          newId(),
          startedAt,
        ],
      );
      await adminQuery(
        `insert into delivery.attempts (id, tenant_id, workspace_id, delivery_id, message_id, conversation_id,
           channel_id, attempt, started_at)
         values ($1, $2, $3, $4, $5, $6, $7, 1, $8)`,
        [
          newId(),
          ch.tenantId,
          ch.workspaceId,
          deliveryId,
          event.messageId,
          event.conversationId,
          event.channelId,
          startedAt,
        ],
      );
    }

    it("leaves a fresh claim to its holder", async () => {
      const ch = await h.newChannel();
      const event = h.outbound(ch);
      await claimedElsewhere(event, ch, 0);
      await h.publishOutbound(event);
      const [row] = await waitFor(async () => {
        const rows = await h.processed(OUTBOUND_CREATED_DURABLE, event.meta?.eventId ?? "");
        return rows.length === 1 ? rows : undefined;
      });
      assert.deepEqual(row?.outputs, []);
      assert.equal(sendsTo(ch.phoneNumberId).length, 0);
      assert.equal((await deliveryRow(event.messageId))?.status, "SENDING");
    });

    it("takes over a claim whose holder died, closing its attempt", async () => {
      const ch = await h.newChannel();
      const event = h.outbound(ch);
      await claimedElsewhere(event, ch, 10 * 60_000);
      await h.publishOutbound(event);
      const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
      assert.equal(sent.attempt, 2);
      const attempts = await attemptRows(event.messageId);
      assert.deepEqual(
        attempts.map((a) => [a.attempt, a.outcome]),
        [
          [1, "RETRYABLE_FAILURE"],
          [2, "ACCEPTED"],
        ],
      );
      assert.equal(sendsTo(ch.phoneNumberId).length, 1);
    });
  });
});
