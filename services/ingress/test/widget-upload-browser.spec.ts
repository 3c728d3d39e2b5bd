import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { MediaState } from "@atendo/proto/common/v1";
import { waitFor } from "@atendo/testing";
import { type EdgeHarness, startEdgeHarness } from "./support/edge-harness.js";
import { collectIngressEvents } from "./support/event-collector.js";
import type { Harness } from "./support/harness.js";
import { createWebChannel, pageHeaders, SHOP, startSession, widgetClient } from "./support/widget-kit.js";
import { PNG, putUpload } from "./support/widget-upload-kit.js";

describe("web-chat widget attachments from a browser: Connect and gRPC-web through the local edge", function () {
  this.timeout(60_000);
  let h: Harness;
  let edgeUrl: string;
  let stack: EdgeHarness | undefined;

  before(async () => {
    stack = await startEdgeHarness();
    ({ h, edgeUrl } = stack);
  });

  after(async () => {
    await stack?.stop();
  });

  it("answers the upload PUT's preflight from any site, allowing PUT with the visitor token", async () => {
    const res = await fetch(`${edgeUrl}/v1/widget/uploads/${randomUUID()}`, {
      method: "OPTIONS",
      headers: {
        origin: SHOP,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type,authorization",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), SHOP);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /\bPUT\b/);
    assert.match((res.headers.get("access-control-allow-headers") ?? "").toLowerCase(), /authorization/);
    for (const method of ["CreateUpload", "SendAttachment"]) {
      const rpc = await fetch(`${edgeUrl}/atendo.ingress.v1.WidgetService/${method}`, {
        method: "OPTIONS",
        headers: { origin: SHOP, "access-control-request-method": "POST" },
      });
      assert.equal(rpc.status, 204, method);
      assert.equal(rpc.headers.get("access-control-allow-origin"), SHOP, method);
    }
  });

  for (const protocol of ["grpc-web", "connect"] as const) {
    it(`uploads and sends an attachment over ${protocol} through the edge, then downloads it there`, async () => {
      const channel = await createWebChannel(h, { allowedOrigins: [SHOP] });
      const collector = await collectIngressEvents(h.bus);
      try {
        const client = widgetClient(edgeUrl, protocol);
        const session = await startSession(client, channel, SHOP);
        const headers = pageHeaders(SHOP, session.visitorToken);
        const { upload } = await client.createUpload(
          {
            requestId: randomUUID(),
            filename: "pic.png",
            mimeType: "image/png",
            sizeBytes: BigInt(PNG.length),
          },
          { headers },
        );
        assert.ok(upload !== undefined);
        const put = await putUpload(edgeUrl, upload.uploadUrl, session.visitorToken, PNG, "image/png");
        assert.equal(put.status, 200, await put.clone().text());
        assert.equal(put.headers.get("access-control-allow-origin"), SHOP);
        const { message } = await client.sendAttachment(
          { requestId: randomUUID(), uploadId: upload.id, caption: `over ${protocol}` },
          { headers },
        );
        const url = new URL(message?.attachment?.downloadUrl ?? "");
        const download = await fetch(`${edgeUrl}${url.pathname}${url.search}`);
        assert.equal(download.status, 200);
        assert.ok(Buffer.from(await download.arrayBuffer()).equals(PNG));
        await waitFor(() => collector.messages(channel.channelId).length >= 1, {
          message: "the attachment's MessageReceived",
        });
        const content = collector.messages(channel.channelId)[0]?.event.message?.content;
        assert.equal(content?.case === "media" ? content.value.media?.state : undefined, MediaState.STORED);
      } finally {
        await collector.stop();
      }
    });
  }
});
