import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ChannelType, MediaKind, MediaState } from "@atendo/proto/common/v1";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { expectConnectError, type FakeGraph, startFakeGraph } from "@atendo/testing";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { createMediaUrlSigner } from "../src/media/media-url-signer.js";
import { type Harness, startHarness, type TestChannel } from "./support/harness.js";
import { collectMediaStored, publishInboundMedia } from "./support/media-support.js";

const URL_KEY = randomBytes(32).toString("base64");

describe("MediaService and signed media downloads", function () {
  this.timeout(60_000);
  let graph: FakeGraph;
  let h: Harness;
  let channel: TestChannel;
  let media: Awaited<ReturnType<typeof collectMediaStored>>;
  const bytes = randomBytes(30_000);
  let mediaId = "";
  let failedMediaId = "";

  before(async () => {
    graph = await startFakeGraph();
    h = await startHarness(
      {
        MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: "true",
        MEDIA_URL_KEY: URL_KEY,
        MEDIA_MAX_BYTES_STICKER: "10",
      },
      { WHATSAPP_GRAPH_BASE_URL: graph.url },
    );
    channel = await h.createChannel();
    media = await collectMediaStored(h);
    const publish = (id: string, kind: MediaKind) =>
      publishInboundMedia(h, {
        tenantId: channel.tenantId,
        workspaceId: channel.workspaceId,
        channelId: channel.channelId,
        channelType: ChannelType.WHATSAPP,
        kind,
        channelMediaId: id,
      });
    graph.registerMedia({ id: "media-ok", bytes, mimeType: "audio/ogg; codecs=opus" });
    const stored = await media.one(await publish("media-ok", MediaKind.AUDIO));
    assert.equal(stored.state, MediaState.STORED, stored.failureReason);
    mediaId = stored.mediaId;
    graph.registerMedia({ id: "media-big", bytes: randomBytes(100), mimeType: "image/webp" });
    const wamid = await publish("media-big", MediaKind.STICKER);
    assert.equal((await media.one(wamid)).state, MediaState.FAILED);
    failedMediaId = (await import("../src/media/media-id.js")).mediaIdOf(channel.channelId, wamid);
  });
  after(async () => {
    await media?.stop();
    await h?.stop();
    await graph?.close();
  });

  it("gives an agent of the workspace the metadata and a signed URL that downloads the bytes", async () => {
    const agent = await h.identity.addMember(channel.owner, MemberRole.AGENT);
    const res = await agent.clients.media.getMedia({ workspaceId: channel.workspaceId, mediaId });
    assert.equal(res.media?.id, mediaId);
    assert.equal(res.media?.channelId, channel.channelId);
    assert.equal(res.media?.mimeType, "audio/ogg; codecs=opus");
    assert.equal(res.media?.sizeBytes, BigInt(bytes.length));
    assert.equal(res.media?.sha256, createHash("sha256").update(bytes).digest("hex"));
    const expires = res.downloadUrlExpireTime ? timestampDate(res.downloadUrlExpireTime).getTime() : 0;
    assert.ok(expires > Date.now() && expires <= Date.now() + 301_000);

    // The URL names the edge; the same path and query on ingress itself serve the bytes.
    const url = new URL(res.downloadUrl);
    assert.equal(url.origin, "http://127.0.0.1:7100");
    const download = await fetch(`${h.ingressUrl}${url.pathname}${url.search}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("content-type"), "audio/ogg; codecs=opus");
    assert.equal(download.headers.get("x-content-type-options"), "nosniff");
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(bytes));
  });

  it("answers not found to another tenant, whichever workspace it names", async () => {
    const stranger = await h.identity.signUpOwner();
    await expectConnectError(
      stranger.clients.media.getMedia({ workspaceId: stranger.workspaceId, mediaId }),
      Code.NotFound,
    );
    // Our workspace is not theirs: the auth path refuses it without saying whether it exists.
    await expectConnectError(
      stranger.clients.media.getMedia({ workspaceId: channel.workspaceId, mediaId }),
      Code.NotFound,
    );
  });

  it("answers not found for media that failed or never existed, and invalid for a bad id", async () => {
    const { clients } = channel.owner;
    await expectConnectError(
      clients.media.getMedia({ workspaceId: channel.workspaceId, mediaId: failedMediaId }),
      Code.NotFound,
    );
    await expectConnectError(
      clients.media.getMedia({ workspaceId: channel.workspaceId, mediaId: randomUUID() }),
      Code.NotFound,
    );
    await expectConnectError(
      clients.media.getMedia({ workspaceId: channel.workspaceId, mediaId: "../etc" }),
      Code.InvalidArgument,
    );
  });

  it("refuses a forged, altered or expired download URL with 403", async () => {
    const { downloadUrl } = await channel.owner.clients.media.getMedia({
      workspaceId: channel.workspaceId,
      mediaId,
    });
    const good = new URL(downloadUrl);
    const at = (u: URL) => fetch(`${h.ingressUrl}${u.pathname}${u.search}`);

    const otherTenant = new URL(good);
    otherTenant.searchParams.set("tenant", randomUUID());
    assert.equal((await at(otherTenant)).status, 403);

    const later = new URL(good);
    later.searchParams.set("expires", String(Number(good.searchParams.get("expires")) + 3600));
    assert.equal((await at(later)).status, 403);

    const forged = new URL(good);
    forged.searchParams.set("signature", randomBytes(32).toString("base64url"));
    assert.equal((await at(forged)).status, 403);

    const unsigned = new URL(good);
    unsigned.search = "";
    assert.equal((await at(unsigned)).status, 403);

    // Signed with the right key an hour ago, expired since.
    const past = createMediaUrlSigner({
      key: URL_KEY,
      ttlSeconds: 300,
      baseUrl: h.ingressUrl,
      now: () => Date.now() - 3_600_000,
    }).sign(channel.tenantId, mediaId);
    const expired = await fetch(past.url);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /expired/);

    // And the genuine one still works.
    assert.equal((await at(good)).status, 200);
  });
});
