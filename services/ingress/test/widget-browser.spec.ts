import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { type EdgeHarness, startEdgeHarness } from "./support/edge-harness.js";
import type { Harness } from "./support/harness.js";
import {
  createWebChannel,
  pageHeaders,
  readStream,
  SHOP,
  startSession,
  text,
  widgetClient,
} from "./support/widget-kit.js";

const WIDGET = "/atendo.ingress.v1.WidgetService";

describe("web-chat widget from a browser: gRPC-web and Connect through the local edge, CORS", function () {
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

  it("answers a widget preflight from any site with the reflected origin and the RPC headers", async () => {
    for (const method of ["StartSession", "SendMessage", "StreamMessages", "ListMessages"]) {
      const res = await fetch(`${edgeUrl}${WIDGET}/${method}`, {
        method: "OPTIONS",
        headers: {
          origin: SHOP,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,connect-protocol-version,x-grpc-web,authorization",
        },
      });
      assert.equal(res.status, 204, method);
      assert.equal(res.headers.get("access-control-allow-origin"), SHOP);
      const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
      for (const header of ["content-type", "connect-protocol-version", "x-grpc-web", "authorization"]) {
        assert.ok(allowed.includes(header), `${method} allows ${header}: ${allowed}`);
      }
    }
    // The console's RPCs keep their own list.
    const other = await fetch(`${edgeUrl}/atendo.ingress.v1.WebhookService/ListWebhookEvents`, {
      method: "OPTIONS",
      headers: { origin: SHOP, "access-control-request-method": "POST" },
    });
    assert.equal(other.status, 403);
  });

  for (const protocol of ["grpc-web", "connect"] as const) {
    it(`chats over ${protocol} through the edge, with CORS headers on every answer`, async () => {
      const channel = await createWebChannel(h, { allowedOrigins: [SHOP] });
      const client = widgetClient(edgeUrl, protocol);
      let allowOrigin: string | null = null;
      const session = await client.startSession(
        { siteKey: channel.siteKey },
        {
          headers: pageHeaders(SHOP),
          onHeader: (headers) => {
            allowOrigin = headers.get("access-control-allow-origin");
          },
        },
      );
      assert.equal(allowOrigin, SHOP);
      const stream = readStream(client, session.visitorToken);
      try {
        await client.sendMessage(
          { message: text(`over ${protocol}`) },
          { headers: pageHeaders(SHOP, session.visitorToken) },
        );
        const history = await client.listMessages({}, { headers: pageHeaders(SHOP, session.visitorToken) });
        assert.equal(history.messages.length, 1);
        await waitFor(() => stream.messages().includes(`over ${protocol}`), {
          message: "the message on the stream",
        });
      } finally {
        await stream.stop();
      }
      // The service still checks the page against the channel.
      await assert.rejects(startSession(client, channel, "https://evil.test"), /origin/);
    });
  }
});
