import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { WebhookEventStatus } from "@atendo/proto/ingress/v1";
import { signMeta } from "@atendo/testing";
import { textDelivery } from "./support/deliveries.js";
import { type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { rowsOf, settledRowsOf } from "./support/rows.js";

const KEEP_BYTES = 1024;
const PER_IP = 3;
const PER_CHANNEL = 5;

// Documentation addresses (TEST-NET-3), a new one each time: the per-address counters outlive a
// test (the window is a minute), so two tests drawing the same address would share a limit.
let lastHost = 0;
const someIp = () => `203.0.113.${++lastHost}`;

describe("badly signed webhooks: metadata, hash and first bytes kept, and rate-limited", function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    h = await startHarness({
      REJECTED_BODY_KEEP_BYTES: String(KEEP_BYTES),
      REJECTED_LIMIT_PER_IP: String(PER_IP),
      REJECTED_LIMIT_PER_CHANNEL: String(PER_CHANNEL),
      REJECTED_LIMIT_WINDOW_MS: "60000",
    });
  });

  after(async () => {
    await h?.stop();
  });

  /** A POST as the edge forwards it: the client's address is the last X-Forwarded-For entry. */
  function post(channel: TestChannel, body: Buffer, signature: string | undefined, ip: string) {
    return fetch(`${h.ingressUrl}/webhooks/whatsapp/${channel.channelId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "curious-client/1.0",
        "x-forwarded-for": `198.51.100.1, ${ip}`,
        ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
      },
      body,
    });
  }

  it("keeps the metadata, the SHA-256 and the first bytes of a rejected body, not the whole", async () => {
    const channel = await h.createChannel();
    const body = textDelivery(channel, "x".repeat(20_000)).body;
    const signature = signMeta("not-the-app-secret", body);
    const ip = someIp();
    const res = await post(channel, body, signature, ip);
    assert.equal(res.status, 401);

    const [row] = await rowsOf(channel.channelId);
    assert.equal(row?.status, "rejected");
    assert.equal(row?.reason, "bad signature");
    assert.equal(row?.body_size, body.length);
    assert.ok(row?.body.equals(body.subarray(0, KEEP_BYTES)), "only the first bytes");
    assert.equal(row?.body_sha256?.toString("hex"), createHash("sha256").update(body).digest("hex"));
    assert.equal(row?.source_ip, ip, "the address the edge appended, not the client's own claim");
    assert.deepEqual(row?.request_headers, {
      "content-type": "application/json",
      "content-length": String(body.length),
      "user-agent": "curious-client/1.0",
      "x-hub-signature-256": signature,
    });

    // The same through the RPC an operator uses.
    const { event } = await channel.owner.clients.webhooks.getWebhookEvent({
      workspaceId: channel.workspaceId,
      webhookEventId: row?.id ?? "",
    });
    assert.equal(event?.status, WebhookEventStatus.REJECTED);
    assert.equal(event?.body.length, KEEP_BYTES);
    assert.equal(event?.bodySize, body.length);
    assert.equal(event?.bodySha256, createHash("sha256").update(body).digest("hex"));
    assert.equal(event?.sourceIp, ip);
    assert.equal(event?.requestHeaders["user-agent"], "curious-client/1.0");
  });

  it("answers 429 past the limit per client address and per channel, storing nothing more", async () => {
    const channel = await h.createChannel();
    const { body } = textDelivery(channel);
    const first = someIp();
    const statuses: number[] = [];
    for (let i = 0; i < PER_IP + 1; i++) statuses.push((await post(channel, body, undefined, first)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], "the address's limit");

    // Another address, same channel: the channel's own limit (every bad request counts).
    const second = someIp();
    const more: number[] = [];
    for (let i = 0; i < 2; i++) more.push((await post(channel, body, "sha256=00", second)).status);
    assert.deepEqual(more, [401, 429], "the channel's limit");
    const limited = await post(channel, body, undefined, someIp());
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);

    // Only what was within the limits is stored; a signed delivery is never limited.
    assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
    const rows = await settledRowsOf(channel.channelId);
    assert.deepEqual(
      rows.map((r) => r.status),
      [...Array<string>(PER_IP + 1).fill("rejected"), "accepted"],
    );
    // Redis holds counters only: every badly signed request of the channel, and of the address.
    const counter = (key: string) => h.redis.get(`${h.namespace}:webhook-rejects:${key}`);
    assert.equal(await counter(`channel:${channel.channelId}`), String(PER_IP + 1 + 2 + 1));
    assert.equal(await counter(`ip:${first}`), String(PER_IP + 1));
    assert.ok((await h.redis.pttl(`${h.namespace}:webhook-rejects:ip:${first}`)) > 0, "counters expire");
  });
});
