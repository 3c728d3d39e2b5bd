import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { ChannelType, MediaKind, MediaState } from "@atendo/proto/common/v1";
import { adminQuery, type FakeGraph, startFakeGraph, waitFor } from "@atendo/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MEDIA_FETCH_DURABLE } from "../src/media/media-fetch-consumer.js";
import { forChannel, type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import {
  collectMediaStored,
  createInstagramChannel,
  mediaFetcherPast,
  publishInboundMedia,
  publishInboundMediaAck,
} from "./support/media-support.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

const sha256Hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const sha256B64 = (b: Buffer) => createHash("sha256").update(b).digest("base64");

async function storedBytes(tenantId: string, mediaId: string): Promise<Buffer | undefined> {
  const rows = await adminQuery<{ bytes: Buffer }>(
    "select bytes from ingress.media_objects where tenant_id = $1 and media_id = $2",
    [tenantId, mediaId],
  );
  return rows[0]?.bytes;
}

describe("media fetch (real ingress, bus and tenant service; fake Graph API)", function () {
  this.timeout(60_000);
  let graph: FakeGraph;
  let h: Harness;
  let channel: TestChannel;
  let media: Awaited<ReturnType<typeof collectMediaStored>>;

  before(async () => {
    graph = await startFakeGraph();
    h = await startHarness(
      {
        MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: "true",
        MEDIA_FETCH_MAX_ATTEMPTS: "3",
        MEDIA_FETCH_RETRY_INITIAL_MS: "50",
        MEDIA_FETCH_RETRY_MAX_MS: "200",
        MEDIA_MAX_BYTES_STICKER: "1000",
      },
      { WHATSAPP_GRAPH_BASE_URL: graph.url, INSTAGRAM_GRAPH_BASE_URL: graph.url },
    );
    channel = await h.createChannel();
    graph.registerToken(channel.accessToken);
    media = await collectMediaStored(h);
  });
  after(async () => {
    await media?.stop();
    await h?.stop();
    await graph?.close();
  });

  const whatsapp = (mediaId: string, extra: { sha256?: string; kind?: MediaKind; state?: MediaState } = {}) =>
    publishInboundMedia(h, {
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      channelType: ChannelType.WHATSAPP,
      kind: extra.kind ?? MediaKind.IMAGE,
      channelMediaId: mediaId,
      mimeType: "image/jpeg",
      ...(extra.sha256 === undefined ? {} : { sha256: extra.sha256 }),
      ...(extra.state === undefined ? {} : { state: extra.state }),
    });
  const requestsOf = (mediaId: string) => graph.mediaRequests.filter((r) => r.mediaId === mediaId);

  it("is handed only the webhook messages that have media to fetch, not every received message", async () => {
    const bytes = randomBytes(900);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    const wamid = (tag: string) => `wamid.only-media-${tag}-${randomBytes(8).toString("hex")}`;
    const image = waMessage("image", { id: wamid("image"), image: { id, mime_type: "image/jpeg" } });
    const texts = ["a", "b", "c"].map((t) => waMessage("text", { id: wamid(t), text: { body: t } }));
    const nc = await connect({ servers: h.env.natsUrl, name: "ingress-test-media-only" });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = h.bus.streamFor("ingress");
      const handed = async () =>
        (await jsm.consumers.info(stream, MEDIA_FETCH_DURABLE)).delivered.consumer_seq;
      const before = await handed();
      const body = forChannel(channel, waBody({ contacts: [ANA], messages: [...texts, image] }));
      assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
      assert.equal((await media.one(String(image.id))).state, MediaState.STORED);
      // Three text messages and an image went through the stream; the fetcher was given the image.
      await mediaFetcherPast(h, stream, undefined);
      assert.equal((await handed()) - before, 1);
    } finally {
      await nc.close();
    }
  });

  it("fetches a WhatsApp image in two steps with the channel's token, stores it and announces it STORED", async () => {
    const bytes = randomBytes(40_000);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    const wamid = await whatsapp(id, { sha256: sha256B64(bytes) });

    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.STORED);
    assert.equal(event.channelId, channel.channelId);
    assert.equal(event.mimeType, "image/jpeg");
    assert.equal(event.sizeBytes, BigInt(bytes.length));
    assert.equal(event.sha256, sha256Hex(bytes));
    assert.equal(event.meta?.tenantId, channel.tenantId);
    assert.deepEqual((await storedBytes(channel.tenantId, event.mediaId))?.equals(bytes), true);
    const steps = requestsOf(id);
    assert.deepEqual(
      steps.map((r) => [r.step, r.status]),
      [
        ["info", 200],
        ["download", 200],
      ],
    );
    for (const r of steps) {
      assert.equal(r.headers.authorization, `Bearer ${channel.accessToken}`);
      assert.notEqual((r.headers["user-agent"] ?? "").trim(), "");
    }
  });

  it("also fetches media of older events that carry no state (UNSPECIFIED)", async () => {
    const bytes = randomBytes(1000);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/png" });
    const wamid = await whatsapp(id, { state: MediaState.UNSPECIFIED });
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.STORED);
    assert.equal(event.mimeType, "image/png");
  });

  it("asks for a new URL once when the download URL has expired (404)", async () => {
    const bytes = randomBytes(2000);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    // The first download answers 404, as an expired lookaside URL does.
    graph.failNextMedia({ step: "download", status: 404 });
    const wamid = await whatsapp(id);
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.STORED, event.failureReason);
    assert.deepEqual(
      requestsOf(id).map((r) => [r.step, r.status]),
      [
        ["info", 200],
        ["download", 404],
        ["info", 200],
        ["download", 200],
      ],
    );
    assert.equal((await storedBytes(channel.tenantId, event.mediaId))?.equals(bytes), true);
  });

  it("fails a file whose bytes do not match the channel's SHA-256, and stores nothing", async () => {
    const bytes = randomBytes(3000);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg", declaredSha256: sha256Hex(randomBytes(8)) });
    const wamid = await whatsapp(id);
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.FAILED);
    assert.match(event.failureReason, /checksum mismatch/);
    assert.equal(event.mediaId, "");
    const rows = await adminQuery(
      "select 1 from ingress.media_objects where tenant_id = $1 and media_id in (select id from ingress.media where external_message_id = $2)",
      [channel.tenantId, wamid],
    );
    assert.equal(rows.length, 0);
  });

  it("fails a file over its kind's size limit as too large, without downloading it", async () => {
    const bytes = randomBytes(2000);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/webp" });
    const wamid = await whatsapp(id, { kind: MediaKind.STICKER });
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.FAILED);
    assert.match(event.failureReason, /too large/);
    // The declared file_size was enough to refuse it.
    assert.deepEqual(
      requestsOf(id).map((r) => r.step),
      ["info"],
    );
  });

  it("retries 5xx answers with backoff, and stores the file once the Graph API recovers", async () => {
    const bytes = randomBytes(1500);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    graph.failNextMedia({ step: "info", status: 503, times: 2 });
    const wamid = await whatsapp(id);
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.STORED, event.failureReason);
    assert.deepEqual(
      requestsOf(id).map((r) => [r.step, r.status]),
      [
        ["info", 503],
        ["info", 503],
        ["info", 200],
        ["download", 200],
      ],
    );
  });

  it("gives up after MEDIA_FETCH_MAX_ATTEMPTS 5xx answers: FAILED with the reason", async () => {
    const bytes = randomBytes(1500);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    graph.failNextMedia({ step: "download", status: 500, times: 3 });
    const wamid = await whatsapp(id);
    const event = await media.one(wamid);
    assert.equal(event.state, MediaState.FAILED);
    assert.match(event.failureReason, /gave up after 3 attempts/);
    assert.equal(requestsOf(id).filter((r) => r.step === "download").length, 3);
  });

  it("fetches an Instagram attachment from its CDN URL, without a token", async () => {
    const { channelId } = await createInstagramChannel(channel.owner);
    const bytes = randomBytes(5000);
    const file = graph.addCdnFile(bytes, "image/jpeg");
    const mid = await publishInboundMedia(h, {
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      channelId,
      channelType: ChannelType.INSTAGRAM,
      kind: MediaKind.IMAGE,
      url: file.url,
    });
    const event = await media.one(mid);
    assert.equal(event.state, MediaState.STORED, event.failureReason);
    assert.equal(event.channelType, ChannelType.INSTAGRAM);
    assert.equal(event.mimeType, "image/jpeg");
    assert.equal((await storedBytes(channel.tenantId, event.mediaId))?.equals(bytes), true);
    const [request] = requestsOf(file.id);
    assert.equal(request?.headers.authorization, undefined);
  });

  it("leaves the widget's media alone (its uploads are not a channel's to fetch)", async () => {
    const webChannelId = await h.identity.createWebChannel(channel.owner);
    const sent = await publishInboundMediaAck(h, {
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      channelId: webChannelId,
      channelType: ChannelType.WEB,
      kind: MediaKind.IMAGE,
      url: graph.addCdnFile(randomBytes(10), "image/png").url,
    });
    await mediaFetcherPast(h, sent.stream, sent.seq);
    await media.settled();
    assert.deepEqual(media.all(sent.externalMessageId), []);
    const rows = await adminQuery("select 1 from ingress.media where channel_id = $1", [webChannelId]);
    assert.equal(rows.length, 0);
  });

  it("stores a redelivered message's media once and announces it once", async () => {
    const bytes = randomBytes(1200);
    const id = `wa-media-${randomBytes(6).toString("hex")}`;
    graph.registerMedia({ id, bytes, mimeType: "image/jpeg" });
    const wamid = await whatsapp(id);
    assert.equal((await media.one(wamid)).state, MediaState.STORED);
    // The same message again as another event (a replay past JetStream's duplicate window).
    const again = await publishInboundMediaAck(h, {
      tenantId: channel.tenantId,
      workspaceId: channel.workspaceId,
      channelId: channel.channelId,
      channelType: ChannelType.WHATSAPP,
      kind: MediaKind.IMAGE,
      channelMediaId: id,
      externalMessageId: wamid,
      msgId: `${wamid}:replayed`,
    });
    await mediaFetcherPast(h, again.stream, again.seq);
    // Whatever the relay had to publish is out too: still one MediaStored.
    await waitFor(
      async () =>
        (
          await adminQuery("select 1 from ingress.outbox where tenant_id = $1 and status = 'pending'", [
            channel.tenantId,
          ])
        ).length === 0 || undefined,
      { timeoutMs: 10_000, message: () => "the outbox drained" },
    );
    await media.settled();
    assert.equal(media.all(wamid).length, 1);
    assert.deepEqual(
      requestsOf(id).map((r) => r.step),
      ["info", "download"],
      "fetched once",
    );
    const rows = await adminQuery(
      "select id from ingress.media where channel_id = $1 and external_message_id = $2",
      [channel.channelId, wamid],
    );
    assert.equal(rows.length, 1);
  });
});
