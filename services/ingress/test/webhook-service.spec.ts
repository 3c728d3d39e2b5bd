import assert from "node:assert/strict";
import { ChannelType } from "@atendo/proto/common/v1";
import { WebhookEventStatus } from "@atendo/proto/ingress/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { allPages, expectConnectError, signMeta } from "@atendo/testing";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  fixtureFor,
  type Harness,
  postSigned,
  postWebhook,
  startHarness,
  type TestChannel,
} from "./support/harness.js";
import { insertRows, settledRowsOf } from "./support/rows.js";

describe("WebhookService (ListWebhookEvents, GetWebhookEvent)", function () {
  this.timeout(30_000);
  let h: Harness;
  let channel: TestChannel;
  let other: TestChannel;
  let bodies: Buffer[];

  before(async () => {
    h = await startHarness();
    channel = await h.createChannel();
    other = await h.createChannel();
    bodies = [
      fixtureFor(channel, "whatsapp/two-text-messages.json"),
      fixtureFor(channel, "whatsapp/statuses-delivered-read.json"),
      fixtureFor(channel, "whatsapp/location.json"),
    ];
    for (const body of bodies) assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
    const bad = await postWebhook(
      h.ingressUrl,
      channel.channelId,
      bodies[0] ?? Buffer.alloc(0),
      signMeta("x", Buffer.from("y")),
    );
    assert.equal(bad.status, 401);
    assert.equal(
      (await postSigned(h.ingressUrl, other, fixtureFor(other, "whatsapp/reaction.json"))).status,
      200,
    );
  });

  after(async () => {
    await h?.stop();
  });

  it("lists a workspace's deliveries newest first, without bodies, page by page", async () => {
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, 4);
    const first = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      pageSize: 3,
    });
    assert.deepEqual(
      first.events.map((e) => e.id),
      rows
        .map((r) => r.id)
        .reverse()
        .slice(0, 3),
    );
    assert.notEqual(first.nextPageToken, "");
    const newest = first.events[0];
    assert.equal(newest?.status, WebhookEventStatus.REJECTED);
    assert.equal(newest?.reason, "bad signature");
    assert.equal(newest?.body.length, 0, "lists carry no body");
    assert.equal(newest?.bodySize, bodies[0]?.length);
    const accepted = first.events[2];
    assert.equal(accepted?.status, WebhookEventStatus.ACCEPTED);
    assert.equal(accepted?.channelType, ChannelType.WHATSAPP);
    assert.equal(accepted?.channelId, channel.channelId);
    assert.equal(accepted?.tenantId, channel.tenantId);
    assert.equal(accepted?.workspaceId, channel.workspaceId);
    assert.equal(accepted?.correlationId, accepted?.id);
    assert.equal(accepted?.statusCount, 2);
    assert.ok(accepted?.receivedAt && accepted.processedAt);

    const second = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      pageSize: 3,
      pageToken: first.nextPageToken,
    });
    assert.deepEqual(
      second.events.map((e) => e.id),
      [rows[0]?.id],
    );
    assert.equal(second.nextPageToken, "");
  });

  it("filters by status, channel and reception time", async () => {
    const rejected = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      status: WebhookEventStatus.REJECTED,
    });
    assert.equal(rejected.events.length, 1);
    const byChannel = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      channelId: other.channelId,
    });
    assert.equal(byChannel.events.length, 0, "another tenant's channel is invisible here");
    const future = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      received: { startTime: timestampFromDate(new Date(Date.now() + 60_000)) },
    });
    assert.equal(future.events.length, 0);
    const all = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      received: { startTime: timestampFromDate(new Date(Date.now() - 600_000)) },
    });
    assert.equal(all.events.length, 4);
  });

  it("returns one delivery with its raw body", async () => {
    const [row] = await settledRowsOf(channel.channelId);
    assert.ok(row);
    const { event } = await channel.owner.clients.webhooks.getWebhookEvent({
      workspaceId: channel.workspaceId,
      webhookEventId: row.id,
    });
    assert.ok(event && bodies[0]);
    assert.ok(Buffer.from(event.body).equals(bodies[0]));
    assert.equal(event.messageCount, 2);
    assert.equal(event.status, WebhookEventStatus.ACCEPTED);
  });

  it("answers not_found across workspaces and for unknown ids", async () => {
    const [row] = await settledRowsOf(channel.channelId);
    await expectConnectError(
      channel.owner.clients.webhooks.getWebhookEvent({
        workspaceId: other.workspaceId,
        webhookEventId: row?.id ?? "",
      }),
      Code.NotFound,
    );
    await expectConnectError(
      channel.owner.clients.webhooks.listWebhookEvents({
        workspaceId: "0190f000-0000-7000-8000-00000000beef",
      }),
      Code.NotFound,
    );
  });

  it("answers invalid_argument for a bad page token or id", async () => {
    await expectConnectError(
      channel.owner.clients.webhooks.listWebhookEvents({
        workspaceId: channel.workspaceId,
        pageToken: "garbage",
      }),
      Code.InvalidArgument,
      { message: /page_token/, reason: "INVALID_PAGE_TOKEN" },
    );
    await expectConnectError(
      channel.owner.clients.webhooks.getWebhookEvent({
        workspaceId: channel.workspaceId,
        webhookEventId: "x",
      }),
      Code.InvalidArgument,
      { message: /webhook_event_id/ },
    );
  });

  it("refuses a page token used with other filters, or naming no webhook event", async () => {
    const list = (init: { channelId?: string; status?: WebhookEventStatus; pageToken: string }) =>
      expectConnectError(
        channel.owner.clients.webhooks.listWebhookEvents({ workspaceId: channel.workspaceId, ...init }),
        Code.InvalidArgument,
      );
    const first = await channel.owner.clients.webhooks.listWebhookEvents({
      workspaceId: channel.workspaceId,
      pageSize: 1,
    });
    assert.notEqual(first.nextPageToken, "");
    for (const refused of [
      await list({ status: WebhookEventStatus.ACCEPTED, pageToken: first.nextPageToken }),
      await list({ channelId: channel.channelId, pageToken: first.nextPageToken }),
    ]) {
      assert.equal(refused.code, Code.InvalidArgument);
      assert.equal(errorInfoOf(refused)?.reason, "INVALID_PAGE_TOKEN");
    }
    // Tokens are opaque, not signed: one whose cursor is not an id never reaches the query.
    const token = JSON.parse(Buffer.from(first.nextPageToken, "base64url").toString()) as { c: unknown[] };
    token.c = ["not-a-uuid"];
    const forged = await list({ pageToken: Buffer.from(JSON.stringify(token)).toString("base64url") });
    assert.equal(forged.code, Code.InvalidArgument);
    assert.equal(errorInfoOf(forged)?.reason, "INVALID_PAGE_TOKEN");
  });

  it("coerces a page size above 100 to 100 and returns every delivery once across pages", async () => {
    const many = await h.createChannel();
    const ids = await insertRows(many, bodies[0] ?? Buffer.alloc(0), { count: 105, status: "accepted" });
    const list = (pageSize: number, pageToken = "") =>
      many.owner.clients.webhooks.listWebhookEvents({ workspaceId: many.workspaceId, pageSize, pageToken });
    const big = await list(1000);
    assert.equal(big.events.length, 100, "a page size above 100 is read as 100");
    assert.equal((await list(1000, big.nextPageToken)).events.length, 5);

    const seen = await allPages(async (token) => {
      const page = await list(8, token);
      return { items: page.events.map((e) => e.id), nextPageToken: page.nextPageToken };
    });
    assert.deepEqual([...seen].sort(), [...ids].sort(), "each delivery once");
  });
});
