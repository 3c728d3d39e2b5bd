import assert from "node:assert/strict";
import { request } from "node:http";
import { assertTenantTablesSecured } from "@atendo/db";
import { MessageStatus } from "@atendo/proto/common/v1";
import { readFixture, signMeta } from "@atendo/testing";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import {
  fixtureFor,
  forChannel,
  type Harness,
  postSigned,
  postWebhook,
  startHarness,
  type TestChannel,
} from "./support/harness.js";
import { settledRowsOf } from "./support/rows.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

const TWO_TEXTS = "whatsapp/two-text-messages.json";
const WAMID_1 = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDFBQUFBQUFBQUFBQUFBQUEA";
const WAMID_2 = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDJCQkJCQkJCQkJCQkJCQkIA";

describe("ingress webhooks (real tenant service, Postgres and NATS)", function () {
  this.timeout(30_000);
  let h: Harness;
  let events: EventCollector;

  before(async () => {
    h = await startHarness();
    events = await collectIngressEvents(h.bus);
  });

  after(async () => {
    await events?.stop();
    await h?.stop();
  });

  describe("GET verify handshake", () => {
    let channel: TestChannel;
    before(async () => {
      channel = await h.createChannel();
    });

    const verify = (channelId: string, query: string) =>
      fetch(`${h.ingressUrl}/webhooks/whatsapp/${channelId}?${query}`);

    it("answers the bare challenge as text/plain when the verify token matches", async () => {
      const res = await verify(
        channel.channelId,
        `hub.mode=subscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=1158201444`,
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(await res.text(), "1158201444");
    });

    it("refuses a wrong token or mode with 403", async () => {
      const wrongToken = await verify(
        channel.channelId,
        "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
      );
      assert.equal(wrongToken.status, 403);
      assert.doesNotMatch(await wrongToken.text(), /1/);
      const wrongMode = await verify(
        channel.channelId,
        `hub.mode=unsubscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=1`,
      );
      assert.equal(wrongMode.status, 403);
    });

    it("answers 404 for a channel that does not exist", async () => {
      const res = await verify(
        "0190f000-0000-7000-8000-000000000000",
        "hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
      );
      assert.equal(res.status, 404);
      assert.equal((await verify("not-a-channel", "hub.mode=subscribe")).status, 404);
    });
  });

  describe("POST signatures", () => {
    it("accepts the fixtures README vectors and stores the exact bytes", async () => {
      const channel = await h.createChannel({ appSecret: "test-app-secret" });
      const body = readFixture(TWO_TEXTS);
      const res = await postWebhook(
        h.ingressUrl,
        channel.channelId,
        body,
        "sha256=06252a8e6a73bb1882f9c0289a386f3ab9cd22d190871736a6be6ce7b254b69d",
      );
      assert.equal(res.status, 200);
      const empty = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
      const res2 = await postWebhook(
        h.ingressUrl,
        channel.channelId,
        empty,
        "sha256=c84a394cc475525991e78ff16e430b02e47f953877d2af0ade26956ce6f384dc",
      );
      assert.equal(res2.status, 200);
      const rows = await settledRowsOf(channel.channelId);
      assert.deepEqual(
        rows.map((r) => r.status),
        ["ignored", "accepted"],
      );
      assert.ok(rows[0]?.body.equals(body), "the raw body is stored byte for byte");
      assert.equal(rows[0]?.body_size, body.length);
      assert.equal(rows[0]?.tenant_id, channel.tenantId);
      assert.equal(rows[0]?.workspace_id, channel.workspaceId);
      assert.equal(rows[0]?.channel_type, "whatsapp");
      // The fixture names another business number: stored IGNORED, nothing published, and said why.
      assert.equal(rows[0]?.message_count, 0);
      assert.match(rows[0]?.reason ?? "", /phone_number_id "109876543210001"/);
      assert.equal(res.headers.get("x-correlation-id"), rows[0]?.id);
    });

    it("answers 401 on a bad or missing signature and keeps a rejected row", async () => {
      const channel = await h.createChannel();
      const body = fixtureFor(channel, TWO_TEXTS);
      const bad = await postWebhook(h.ingressUrl, channel.channelId, body, signMeta("another-secret", body));
      assert.equal(bad.status, 401);
      const missing = await postWebhook(h.ingressUrl, channel.channelId, body, undefined);
      assert.equal(missing.status, 401);
      const rows = await settledRowsOf(channel.channelId);
      assert.deepEqual(
        rows.map((r) => [r.status, r.reason]),
        [
          ["rejected", "bad signature"],
          ["rejected", "missing signature"],
        ],
      );
      assert.ok(rows[0]?.body.equals(body), "kept for forensics");
      await events.settle();
      assert.equal(events.messages(channel.channelId).length, 0, "nothing published");
    });
  });

  it("answers 404 for an unknown channel and stores nothing", async () => {
    const unknown = "0190f000-0000-7000-8000-00000000dead";
    const body = readFixture(TWO_TEXTS);
    const res = await postWebhook(h.ingressUrl, unknown, body, signMeta("test-app-secret", body));
    assert.equal(res.status, 404);
    assert.deepEqual(await settledRowsOf(unknown), []);
  });

  it("stores every delivery of a message Meta sends three times, publishing it once (dedupe by wamid)", async () => {
    const channel = await h.createChannel();
    const body = fixtureFor(channel, TWO_TEXTS);
    for (let i = 0; i < 3; i++) {
      const res = await postSigned(h.ingressUrl, channel, body);
      assert.equal(res.status, 200);
    }
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.status, "accepted");
      assert.equal(row.message_count, 2);
      assert.equal(row.status_count, 0);
      assert.ok(row.processed_at instanceof Date);
    }
    await events.settle();
    const published = events.messages(channel.channelId);
    assert.deepEqual(
      published.map((m) => m.msgId),
      [WAMID_1, WAMID_2],
    );
    const [first, second] = published.map((m) => m.event);
    assert.ok(first && second);
    assert.equal(first.message?.content.case, "text");
    assert.equal(first.message.content.value.body, "Oi! Vocês abrem no domingo?");
    assert.equal(
      second.message?.content.case === "text" && second.message.content.value.body,
      "E aceitam reserva pelo WhatsApp?",
    );
    assert.equal(first.contact?.displayName, "Ana Souza");
    assert.equal(first.contact?.waId, "5511987654321");
    assert.equal(first.sentAt?.seconds, 1767225600n);
    assert.equal(second.sentAt?.seconds, 1767225603n);
    assert.equal(first.externalMessageId, WAMID_1);
    assert.equal(first.channelId, channel.channelId);
    // The first delivery's row is the one the published events came from.
    assert.equal(first.webhookEventId, rows[0]?.id);
    assert.equal(first.meta?.correlationId, rows[0]?.id);
    assert.equal(first.meta?.tenantId, channel.tenantId);
    assert.equal(first.meta?.workspaceId, channel.workspaceId);
    // The fixture is from 2026-01-01, long before now: stored, but never to be answered.
    assert.equal(first.stale, Date.now() - 1767225600_000 > 24 * 3600_000);
  });

  it("publishes one StatusReceived per status with (wamid, status) as msgID", async () => {
    const channel = await h.createChannel();
    const res = await postSigned(
      h.ingressUrl,
      channel,
      fixtureFor(channel, "whatsapp/statuses-delivered-read.json"),
    );
    assert.equal(res.status, 200);
    const failed = await postSigned(
      h.ingressUrl,
      channel,
      fixtureFor(channel, "whatsapp/failed-status-and-button-reply.json"),
    );
    assert.equal(failed.status, 200);
    await events.settle();
    const statuses = events.statuses(channel.channelId);
    assert.deepEqual(
      statuses.map((s) => [s.msgId, s.event.status]),
      [
        ["wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA==:delivered", MessageStatus.DELIVERED],
        ["wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQzOTk5OTk5OTk5OTk5OTk5AA==:read", MessageStatus.READ],
        ["wamid.HBgLMTQxNTU1NTAxMjMVAgARGBJGQUlMRUQwMDAwMDAwMDAwMDAA:failed", MessageStatus.FAILED],
      ],
    );
    assert.equal(statuses[2]?.event.errors[0]?.code, 131047);
    assert.equal(statuses[0]?.event.recipientId, "5511987654321");
    assert.equal(events.messages(channel.channelId).length, 1, "the button reply of the second delivery");
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => [r.status, r.message_count, r.status_count]),
      [
        ["accepted", 0, 2],
        ["accepted", 1, 1],
      ],
    );
  });

  it("stores unsupported and unknown content, answers 200 and publishes it as unsupported", async () => {
    const channel = await h.createChannel();
    const order = waMessage("order", { order: { catalog_id: "c1", product_items: [] } });
    const unknown = waMessage("poll_vote", { poll_vote: { option: 1 } });
    const res = await postSigned(
      h.ingressUrl,
      channel,
      forChannel(channel, waBody({ contacts: [ANA], messages: [order, unknown] })),
    );
    assert.equal(res.status, 200);
    await events.settle();
    const published = events.messages(channel.channelId).map((m) => m.event);
    assert.deepEqual(
      published.map((e) => e.message?.content.case === "unsupported" && e.message.content.value.originalType),
      ["order", "poll_vote"],
    );
    assert.deepEqual(JSON.parse(published[1]?.raw ?? "{}").poll_vote, { option: 1 });
    const [row] = await settledRowsOf(channel.channelId);
    assert.equal(row?.status, "accepted");
    assert.equal(row?.message_count, 2);
  });

  it("stores a body that is not JSON and still answers 200", async () => {
    const channel = await h.createChannel();
    const body = Buffer.from('{"object": "whatsapp_business_account", "entry": [ oops');
    const res = await postSigned(h.ingressUrl, channel, body);
    assert.equal(res.status, 200);
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, "accepted");
    assert.equal(rows[0]?.reason, "body is not valid JSON");
    assert.equal(rows[0]?.message_count, 0);
    assert.ok(rows[0]?.body.equals(body));
  });

  describe("bodies over 3 MB", () => {
    // Raw node:http: the server answers before reading the whole body and closes the connection.
    function postLarge(channelId: string, declared: boolean): Promise<number> {
      return new Promise((resolve, reject) => {
        const size = 3 * 1024 * 1024 + 1;
        const req = request(`${h.ingressUrl}/webhooks/whatsapp/${channelId}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": "sha256=00",
            ...(declared ? { "content-length": String(size) } : {}),
          },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        // Writes after the server gave up fail; the answer is what matters.
        req.on("error", (err) => setImmediate(() => reject(err)));
        const chunk = Buffer.alloc(512 * 1024, 0x20);
        if (declared) {
          req.write(chunk); // the declared length alone is refused
          return;
        }
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            const n = Math.min(chunk.length, size - sent);
            sent += n;
            if (!req.write(chunk.subarray(0, n))) {
              req.once("drain", pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
    }

    it("answers 413 on a declared length over the limit and stores nothing", async () => {
      const channel = await h.createChannel();
      assert.equal(await postLarge(channel.channelId, true), 413);
      assert.deepEqual(await settledRowsOf(channel.channelId), []);
    });

    it("answers 413 on a streamed body that grows over the limit", async () => {
      const channel = await h.createChannel();
      assert.equal(await postLarge(channel.channelId, false), 413);
      assert.deepEqual(await settledRowsOf(channel.channelId), []);
    });
  });

  it("holds deliveries of a disabled channel: stored as held, 200, nothing published", async () => {
    const channel = await h.createChannel();
    await channel.owner.clients.channels.disableChannel({
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      reason: "paused",
    });
    const res = await postSigned(h.ingressUrl, channel, fixtureFor(channel, TWO_TEXTS));
    assert.equal(res.status, 200);
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => [r.status, r.reason, r.message_count]),
      [["held", "channel disabled", 2]],
    );
    await events.settle();
    assert.equal(events.messages(channel.channelId).length, 0);
  });

  it("keeps the ingress schema under forced row-level security, out of the service role's reach", async () => {
    await assertTenantTablesSecured(h.env.ownerUrl, "ingress", { appRole: "atendo_ingress" });
  });
});
