import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { ChannelType, Direction, MediaKind, MediaState } from "@atendo/proto/common/v1";
import { WidgetUploadState } from "@atendo/proto/ingress/v1";
import { adminQuery, connectErrorOf, expectConnectError, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { collectIngressEvents } from "./support/event-collector.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  pageHeaders,
  readStream,
  SHOP,
  startSession,
  type WidgetClient,
  widgetClient,
} from "./support/widget-kit.js";
import { ELF, PNG, putUpload, uploadAndSend } from "./support/widget-upload-kit.js";

describe("web-chat widget attachments: upload, check, send (real tenant service, Postgres, Redis, NATS)", function () {
  this.timeout(60_000);
  let h: Harness;
  let client: WidgetClient;

  before(async () => {
    h = await startHarness({ WIDGET_MESSAGES_PER_VISITOR: "100", MEDIA_MAX_BYTES_IMAGE: "1000" });
    client = widgetClient(h.ingressUrl);
  });

  after(async () => {
    await h?.stop();
  });

  it("sends an uploaded picture as STORED media through the outbox, once for retries, with a working signed URL", async () => {
    const channel = await createWebChannel(h);
    const collector = await collectIngressEvents(h.bus);
    try {
      const session = await startSession(client, channel, SHOP, { visitor: { name: "Ana" } });
      const token = session.visitorToken;
      const headers = pageHeaders(SHOP, token);
      const stream = readStream(client, token);
      try {
        await waitFor(() => stream.items.length >= 1, { message: "the stream to open" });
        const created = await client.createUpload(
          { filename: "pic.png", mimeType: "image/png", sizeBytes: BigInt(PNG.length) },
          { headers },
        );
        const upload = created.upload;
        assert.ok(upload !== undefined);
        assert.equal(upload.kind, MediaKind.IMAGE);
        assert.equal(upload.maxBytes, 1000n);
        assert.equal(upload.state, WidgetUploadState.PENDING);
        assert.equal(new URL(upload.uploadUrl).pathname, `/v1/widget/uploads/${upload.id}`);

        // Not sendable before its bytes arrive.
        const early = await connectErrorOf(client.sendAttachment({ uploadId: upload.id }, { headers }));
        assert.equal(early.code, Code.FailedPrecondition);

        const put = await putUpload(h.ingressUrl, upload.uploadUrl, token, PNG, "image/png");
        assert.equal(put.status, 200, await put.clone().text());
        assert.equal(((await put.json()) as { state: string }).state, "WIDGET_UPLOAD_STATE_UPLOADED");
        // The same bytes again: the same answer (a retried PUT).
        assert.equal((await putUpload(h.ingressUrl, upload.uploadUrl, token, PNG, "image/png")).status, 200);

        const requestId = randomUUID();
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            client.sendAttachment({ requestId, uploadId: upload.id, caption: "my receipt" }, { headers }),
          ),
        );
        assert.equal(
          new Set(answers.map((a) => a.message?.id)).size,
          1,
          "every retry answers the first message",
        );
        // Another send of the same upload, without a request_id, is still that message.
        const again = await client.sendAttachment({ uploadId: upload.id }, { headers });
        assert.equal(again.message?.id, answers[0]?.message?.id);
        const sent = answers[0]?.message;
        assert.equal(sent?.requestId, requestId);
        assert.equal(sent?.direction, Direction.INBOUND);
        const mediaId = sent?.attachment?.mediaId ?? "";
        assert.match(mediaId, /^[0-9a-f-]{36}$/);
        assert.equal(sent?.attachment?.mimeType, "image/png");
        assert.equal(sent?.attachment?.sizeBytes, BigInt(PNG.length));
        assert.equal(sent?.attachment?.filename, "pic.png");
        assert.equal(sent?.message?.content.case, "media");
        const media = sent?.message?.content.case === "media" ? sent.message.content.value : undefined;
        assert.equal(media?.caption, "my receipt");
        assert.equal(media?.url, sent?.attachment?.downloadUrl);

        // The signed URL (it names the edge; the same path and query on ingress) serves the bytes.
        const url = new URL(sent?.attachment?.downloadUrl ?? "");
        assert.equal(url.pathname, `/media/${mediaId}`);
        const download = await fetch(`${h.ingressUrl}${url.pathname}${url.search}`);
        assert.equal(download.status, 200);
        assert.equal(download.headers.get("content-type"), "image/png");
        assert.ok(Buffer.from(await download.arrayBuffer()).equals(PNG));

        const [{ count }] = (await adminQuery<{ count: string }>(
          "select count(*) from ingress.widget_messages where channel_id = $1",
          [channel.channelId],
        )) as [{ count: string }];
        assert.equal(Number(count), 1);

        await waitFor(() => collector.messages(channel.channelId).length >= 1, {
          message: "the attachment's MessageReceived on the bus",
        });
        await collector.settle();
        const published = collector.messages(channel.channelId);
        assert.equal(published.length, 1, "one MessageReceived for every retry");
        const event = published[0]?.event;
        assert.equal(published[0]?.msgId, sent?.id);
        assert.equal(event?.channelType, ChannelType.WEB);
        assert.equal(event?.externalMessageId, sent?.id);
        assert.equal(event?.contact?.externalId, session.session?.visitorId);
        const content = event?.message?.content;
        assert.equal(content?.case, "media");
        if (content?.case !== "media") return;
        assert.equal(content.value.kind, MediaKind.IMAGE);
        assert.equal(content.value.caption, "my receipt");
        assert.equal(content.value.media?.mediaId, mediaId);
        assert.equal(content.value.media?.state, MediaState.STORED);
        assert.equal(content.value.media?.mimeType, "image/png");
        assert.equal(content.value.media?.sha256, createHash("sha256").update(PNG).digest("hex"));

        // The thread shows it, with a URL, on the stream and in the history.
        await waitFor(
          () =>
            stream.items.some(
              (i) => i.event.case === "message" && i.event.value.attachment?.mediaId === mediaId,
            ),
          { message: "the attachment on the visitor's stream" },
        );
        const history = await client.listMessages({}, { headers });
        assert.equal(history.messages.length, 1);
        assert.equal(history.messages[0]?.attachment?.mediaId, mediaId);
        assert.match(history.messages[0]?.attachment?.downloadUrl ?? "", /\/media\/.*signature=/);

        // Once sent, the bytes cannot change.
        assert.equal((await putUpload(h.ingressUrl, upload.uploadUrl, token, PNG, "image/png")).status, 409);
      } finally {
        await stream.stop();
      }
    } finally {
      await collector.stop();
    }
  });

  it("refuses a file over its kind's limit, when created and when the bytes outgrow what was declared", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const headers = pageHeaders(SHOP, session.visitorToken);
    const over = await connectErrorOf(
      client.createUpload({ filename: "big.png", mimeType: "image/png", sizeBytes: 1001n }, { headers }),
    );
    assert.equal(over.code, Code.InvalidArgument);
    assert.match(over.rawMessage, /1000 bytes allowed for image/);

    const { upload } = await client.createUpload(
      { filename: "pic.png", mimeType: "image/png", sizeBytes: BigInt(PNG.length) },
      { headers },
    );
    const bigger = Buffer.concat([PNG, Buffer.alloc(500)]);
    const res = await putUpload(
      h.ingressUrl,
      upload?.uploadUrl ?? "",
      session.visitorToken,
      bigger,
      "image/png",
    );
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { message: string }).message, /larger than the \d+ bytes declared/);
    const [row] = await adminQuery<{ state: string }>(
      "select state from ingress.widget_uploads where id = $1",
      [upload?.id],
    );
    assert.equal(row?.state, "pending", "nothing stored");
  });

  it("refuses a MIME lie (an ELF named .png) and executables, with a clear error", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const headers = pageHeaders(SHOP, session.visitorToken);
    const { upload } = await client.createUpload(
      { filename: "cat.png", mimeType: "image/png", sizeBytes: BigInt(ELF.length) },
      { headers },
    );
    const res = await putUpload(
      h.ingressUrl,
      upload?.uploadUrl ?? "",
      session.visitorToken,
      ELF,
      "image/png",
    );
    assert.equal(res.status, 415);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, "invalid_argument");
    assert.match(body.message, /application\/x-elf .*not accepted/);
    await expectConnectError(
      client.sendAttachment({ uploadId: upload?.id ?? "" }, { headers }),
      Code.FailedPrecondition,
    );
    const declared = await connectErrorOf(
      client.createUpload(
        { filename: "setup.exe", mimeType: "application/x-msdownload", sizeBytes: 100n },
        { headers },
      ),
    );
    assert.equal(declared.code, Code.InvalidArgument);
    assert.match(declared.rawMessage, /cannot be sent in the chat/);
  });

  it("keeps the first of two concurrent PUTs of different bytes, refuses the other, and leaves no stray object", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    // Two PNGs of one size that differ in a byte after the image's end.
    const [first, second] = [0, 1].map((b) => Buffer.concat([PNG, Buffer.from([b])]));
    const { upload } = await client.createUpload(
      { filename: "pic.png", mimeType: "image/png", sizeBytes: BigInt(PNG.length + 1) },
      { headers: pageHeaders(SHOP, session.visitorToken) },
    );
    const put = (bytes: Buffer) =>
      putUpload(h.ingressUrl, upload?.uploadUrl ?? "", session.visitorToken, bytes, "image/png");
    const statuses = (await Promise.all([put(first as Buffer), put(second as Buffer)])).map((r) => r.status);
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const [row] = await adminQuery<{ sha256: string; media_id: string }>(
      "select sha256, media_id from ingress.widget_uploads where id = $1",
      [upload?.id],
    );
    const objects = await adminQuery<{ media_id: string; sha256: string }>(
      "select media_id, sha256 from ingress.media_objects where tenant_id = $1",
      [channel.tenantId],
    );
    assert.deepEqual(objects, [{ media_id: row?.media_id, sha256: row?.sha256 }], "the winner's bytes only");
  });

  it("keeps an upload to its visitor: another visitor can neither PUT to it nor send it", async () => {
    const channel = await createWebChannel(h);
    const ana = await startSession(client, channel, SHOP);
    const bia = await startSession(client, channel, SHOP);
    const { upload } = await client.createUpload(
      { filename: "pic.png", mimeType: "image/png", sizeBytes: BigInt(PNG.length) },
      { headers: pageHeaders(SHOP, ana.visitorToken) },
    );
    const uploadUrl = upload?.uploadUrl ?? "";
    assert.equal((await putUpload(h.ingressUrl, uploadUrl, bia.visitorToken, PNG, "image/png")).status, 404);
    assert.equal((await putUpload(h.ingressUrl, uploadUrl, "not-a-token", PNG, "image/png")).status, 401);
    assert.equal((await putUpload(h.ingressUrl, uploadUrl, ana.visitorToken, PNG, "image/png")).status, 200);
    await expectConnectError(
      client.sendAttachment({ uploadId: upload?.id ?? "" }, { headers: pageHeaders(SHOP, bia.visitorToken) }),
      Code.NotFound,
    );
    // A user of the tenant is not a visitor: the widget's RPCs refuse them.
    await expectConnectError(
      channel.owner.clients.widget.sendAttachment({ uploadId: upload?.id ?? "" }),
      Code.PermissionDenied,
    );
    const sent = await uploadAndSend(client, h.ingressUrl, ana.visitorToken, {
      bytes: PNG,
      mimeType: "image/png",
    });
    assert.equal(sent.attachment?.mimeType, "image/png");
  });

  it("lets the ai service (its service token) read the workspace's media through GetMedia, and only that workspace's", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const sent = await uploadAndSend(client, h.ingressUrl, session.visitorToken, {
      bytes: PNG,
      mimeType: "image/png",
    });
    const mediaId = sent.attachment?.mediaId ?? "";
    const ai = await h.identity.asService("ai");
    const res = await ai.media.getMedia({ workspaceId: channel.workspaceId, mediaId });
    assert.equal(res.media?.id, mediaId);
    assert.equal(res.media?.channelType, ChannelType.WEB);
    assert.equal(res.media?.externalMessageId, sent.id);
    const url = new URL(res.downloadUrl);
    const download = await fetch(`${h.ingressUrl}${url.pathname}${url.search}`);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(PNG));
    // Another tenant's workspace does not hold it.
    const stranger = await h.identity.signUpOwner();
    await expectConnectError(
      ai.media.getMedia({ workspaceId: stranger.workspaceId, mediaId }),
      Code.NotFound,
    );
    // Services not listed are refused.
    const delivery = await h.identity.asService("delivery");
    await expectConnectError(
      delivery.media.getMedia({ workspaceId: channel.workspaceId, mediaId }),
      Code.PermissionDenied,
    );
  });
});
