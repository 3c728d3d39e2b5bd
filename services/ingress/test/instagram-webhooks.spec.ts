import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { ChannelType, MessageStatus } from "@atendo/proto/common/v1";
import { MessageChangeKind, WebhookEventStatus } from "@atendo/proto/ingress/v1";
import { fixturePath, readFixture, signMeta, waitFor } from "@atendo/testing";
import { splitInstagramDelivery } from "../src/domain/instagram-delivery.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createInstagramChannel,
  type InstagramTestChannel,
  postInstagram,
  postInstagramSigned,
} from "./support/instagram-channel.js";
import { ECHO_MID, FIRST_MID, IG_CUSTOMER, igBody, igText } from "./support/instagram-payloads.js";
import { insertRows, rowsOf, settledRowsOf } from "./support/rows.js";

const FIXTURES = readdirSync(dirname(fixturePath("instagram/echo.json"))).sort();
// Addressed to other accounts: stored as ignored, nothing published.
const NOT_OURS = new Set(["another-account.json", "dashboard-test.json"]);

/** What splitting a body for the channel gives: every msgID, by kind. */
function expectedIds(channel: InstagramTestChannel, body: Buffer) {
  const s = splitInstagramDelivery(body, {
    webhookEventId: "019ab1c2-0000-7000-8000-000000000001",
    tenantId: channel.tenantId,
    workspaceId: channel.workspaceId,
    channelId: channel.channelId,
    accountId: channel.accountId,
    receivedAt: new Date(),
    maxInboundAgeMs: 24 * 3600_000,
    maxEventBytes: 512 * 1024,
  });
  return {
    messages: s.messages.map((m) => m.msgId),
    statuses: s.statuses.map((m) => m.msgId),
    changes: s.changes.map((m) => m.msgId),
  };
}

describe("Instagram webhooks (real tenant service, Postgres and NATS)", function () {
  this.timeout(60_000);
  let h: Harness;
  let events: EventCollector;

  before(async () => {
    // A quick sweeper: a queued Instagram row is picked up within a second.
    h = await startHarness({ SWEEP_INTERVAL_MS: "200" });
    events = await collectIngressEvents(h.bus);
  });

  after(async () => {
    await events?.stop();
    await h?.stop();
  });

  describe("GET verify handshake", () => {
    let channel: InstagramTestChannel;
    before(async () => {
      channel = await createInstagramChannel(h);
    });
    const verify = (channelId: string, query: string, type = "instagram") =>
      fetch(`${h.ingressUrl}/webhooks/${type}/${channelId}?${query}`);

    it("answers the bare challenge with the channel's verify token, 403 with another", async () => {
      const ok = await verify(
        channel.channelId,
        `hub.mode=subscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=987654`,
      );
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(await ok.text(), "987654");
      const wrong = await verify(
        channel.channelId,
        "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
      );
      assert.equal(wrong.status, 403);
    });

    it("answers 404 for an Instagram channel under the WhatsApp path, and the other way round", async () => {
      const query = `hub.mode=subscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=1`;
      assert.equal((await verify(channel.channelId, query, "whatsapp")).status, 404);
      const wa = await h.createChannel();
      const waQuery = `hub.mode=subscribe&hub.verify_token=${wa.verifyToken}&hub.challenge=1`;
      assert.equal((await verify(wa.channelId, waQuery)).status, 404);
      assert.equal((await verify(wa.channelId, waQuery, "whatsapp")).status, 200);
    });
  });

  it("answers 401 on a bad or missing signature and keeps rejected rows of type instagram", async () => {
    const channel = await createInstagramChannel(h);
    const body = readFixture("instagram/two-messages.json");
    const bad = await postInstagram(h.ingressUrl, channel.channelId, body, signMeta("another-secret", body));
    assert.equal(bad.status, 401);
    const missing = await postInstagram(h.ingressUrl, channel.channelId, body, undefined);
    assert.equal(missing.status, 401);
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => [r.status, r.reason, r.channel_type]),
      [
        ["rejected", "bad signature", "instagram"],
        ["rejected", "missing signature", "instagram"],
      ],
    );
  });

  it("every fixture posted three times at once: 200 each, stored each time, each event published once", async () => {
    const channel = await createInstagramChannel(h);
    const bodies = FIXTURES.map((name) => ({ name, body: readFixture(`instagram/${name}`) }));
    const answers = await Promise.all(
      bodies.flatMap(({ body }) => [1, 2, 3].map(() => postInstagramSigned(h.ingressUrl, channel, body))),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      answers.map(() => 200),
    );
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, FIXTURES.length * 3);
    for (const { name, body } of bodies) {
      const mine = rows.filter((r) => r.body.equals(body));
      assert.equal(mine.length, 3, `${name} stored three times`);
      for (const row of mine) {
        assert.equal(row.channel_type, "instagram");
        assert.equal(row.status, NOT_OURS.has(name) ? "ignored" : "accepted", `${name}: ${row.reason}`);
      }
    }

    const expected = { messages: [] as string[], statuses: [] as string[], changes: [] as string[] };
    for (const { body } of bodies) {
      const ids = expectedIds(channel, body);
      expected.messages.push(...ids.messages);
      expected.statuses.push(...ids.statuses);
      expected.changes.push(...ids.changes);
    }
    assert.ok(
      expected.messages.length >= 20 && expected.statuses.length === 1 && expected.changes.length === 2,
    );
    await events.settle();
    const ids = (list: Array<{ msgId: string }>) => list.map((e) => e.msgId).sort();
    assert.deepEqual(ids(events.messages(channel.channelId)), expected.messages.sort(), "each message once");
    assert.deepEqual(ids(events.statuses(channel.channelId)), expected.statuses.sort(), "the read once");
    assert.deepEqual(ids(events.changes(channel.channelId)), expected.changes.sort(), "each change once");

    const published = events.messages(channel.channelId);
    const echo = published.find((m) => m.msgId === ECHO_MID)?.event;
    assert.equal(echo?.isEcho, true);
    assert.equal(echo?.contact?.externalId, IG_CUSTOMER);
    assert.equal(echo?.channelType, ChannelType.INSTAGRAM);
    assert.ok(
      rows.some((r) => r.id === echo?.webhookEventId),
      "the event names a row it came from",
    );
    const [read] = events.statuses(channel.channelId);
    assert.equal(read?.event.status, MessageStatus.READ);
    assert.equal(read?.event.externalMessageId, ECHO_MID);
    const edit = events.changes(channel.channelId).find((c) => c.event.kind === MessageChangeKind.EDITED);
    assert.equal(edit?.event.targetExternalMessageId, FIRST_MID);
  });

  it("stores another account's delivery and the dashboard's sample as IGNORED with the reason; ListWebhookEvents filters them", async () => {
    const channel = await createInstagramChannel(h);
    for (const name of NOT_OURS) {
      const res = await postInstagramSigned(h.ingressUrl, channel, readFixture(`instagram/${name}`));
      assert.equal(res.status, 200);
    }
    const mine = igBody([igText("ours").event]);
    assert.equal((await postInstagramSigned(h.ingressUrl, channel, mine)).status, 200);
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => r.status),
      ["ignored", "ignored", "accepted"],
    );
    assert.match(rows[0]?.reason ?? "", /"17841400000000999"/);
    assert.match(rows[1]?.reason ?? "", /"0"/);
    assert.equal(rows[0]?.message_count, 0);
    await events.settle();
    assert.equal(events.messages(channel.channelId).length, 1, "only ours");

    const { events: listed } = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      status: WebhookEventStatus.IGNORED,
    });
    assert.deepEqual(listed.map((e) => e.id).sort(), [rows[0]?.id, rows[1]?.id].sort());
    assert.ok(
      listed.every((e) => e.status === WebhookEventStatus.IGNORED && e.channelType === ChannelType.INSTAGRAM),
    );
  });

  describe("replays and sweeps of Instagram rows", () => {
    const replay = (channel: InstagramTestChannel, webhookEventId: string) =>
      channel.owner.clients.webhooks.replayWebhookEvent({ workspaceId: channel.workspaceId, webhookEventId });

    it("replays a failed Instagram row: split as Instagram, published, accepted", async () => {
      const channel = await createInstagramChannel(h);
      const text = igText("replay me");
      const [id] = await insertRows(channel, igBody([text.event]), {
        status: "failed",
        channelType: "instagram",
      });
      assert.ok(id);
      const { event } = await replay(channel, id);
      assert.equal(event?.status, WebhookEventStatus.ACCEPTED);
      assert.equal(event?.messageCount, 1);
      await events.settle();
      const published = events.messages(channel.channelId);
      assert.deepEqual(
        published.map((m) => [m.msgId, m.event.webhookEventId, m.event.channelType]),
        [[text.mid, id, ChannelType.INSTAGRAM]],
      );
    });

    it("replays an IGNORED row: published once it is the channel's, left ignored while it is not", async () => {
      const channel = await createInstagramChannel(h);
      const ours = igText("for the corrected account");
      const [nowOurs] = await insertRows(channel, igBody([ours.event]), {
        status: "ignored",
        reason: "for another Instagram account",
        channelType: "instagram",
      });
      const [stillNot] = await insertRows(channel, readFixture("instagram/another-account.json"), {
        status: "ignored",
        reason: "for another Instagram account",
        channelType: "instagram",
      });
      assert.ok(nowOurs && stillNot);
      assert.equal((await replay(channel, nowOurs)).event?.status, WebhookEventStatus.ACCEPTED);
      const still = await replay(channel, stillNot);
      assert.equal(still.event?.status, WebhookEventStatus.IGNORED);
      await events.settle();
      assert.deepEqual(
        events.messages(channel.channelId).map((m) => m.msgId),
        [ours.mid],
      );
    });

    it("sweeps a queued Instagram row: published and accepted by the sweeper", async () => {
      const channel = await createInstagramChannel(h);
      const text = igText("left queued");
      const [id] = await insertRows(channel, igBody([text.event]), { channelType: "instagram" });
      const row = await waitFor(
        async () => (await rowsOf(channel.channelId)).find((r) => r.id === id && r.status === "accepted"),
        { message: "the sweeper to accept the queued Instagram row" },
      );
      assert.equal(row.message_count, 1);
      await events.settle();
      assert.deepEqual(
        events.messages(channel.channelId).map((m) => [m.msgId, m.event.webhookEventId]),
        [[text.mid, id]],
      );
    });
  });
});
