// The widget demo page's Connect client (connect-fetch.js, plain JavaScript run by the browser)
// against the official Connect server (@connectrpc/connect-node) serving WidgetService: unary JSON
// calls, their errors, and server streams whose envelopes arrive split across reads and together.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WidgetService } from "@atendo/proto/ingress/v1";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createConnectClient, RpcError } from "../scripts/lib/widget-demo/connect-fetch.js";

const BIG = "x".repeat(300_000); // far more than one read of the response body

function routes(router: ConnectRouter): void {
  router.service(WidgetService, {
    async startSession(req, ctx) {
      if (req.siteKey === "pk_refusedrefusedrefused") {
        throw new ConnectError("origin https://elsewhere.example is not allowed", Code.PermissionDenied);
      }
      return {
        visitorToken: `token-for-${req.siteKey}`,
        channelName: ctx.requestHeader.get("authorization") ?? "no authorization",
      };
    },
    async *streamMessages(req, ctx) {
      const auth = ctx.requestHeader.get("authorization") ?? "";
      yield { event: { case: "message", value: { id: "m1", cursor: req.afterCursor, senderName: auth } } };
      yield { event: { case: "typing", value: { senderName: "Demo", active: true } } };
      if (req.afterCursor === "fail") throw new ConnectError("too many streams", Code.ResourceExhausted);
      yield {
        event: {
          case: "message",
          value: { id: "m2", message: { content: { case: "text", value: { body: BIG } } } },
        },
      };
    },
  });
}

describe("the widget demo page's Connect client", () => {
  let baseUrl: string;
  let server: ReturnType<typeof createServer>;
  before(async () => {
    server = createServer(connectNodeAdapter({ routes }));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/atendo.ingress.v1.WidgetService`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("makes unary calls in Connect JSON, with the visitor token as a bearer", async () => {
    const client = createConnectClient({ baseUrl });
    const res = await client.unary("StartSession", { siteKey: "pk_0123456789abcdef" }, "vt-1");
    assert.deepEqual(res, { visitorToken: "token-for-pk_0123456789abcdef", channelName: "Bearer vt-1" });
  });

  it("turns a Connect error into an RpcError with its code", async () => {
    const client = createConnectClient({ baseUrl });
    const err = await client.unary("StartSession", { siteKey: "pk_refusedrefusedrefused" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.code, "permission_denied");
    assert.match(err.message, /elsewhere\.example is not allowed/);
  });

  it("reads every envelope of a server stream, whole or split across reads, until the end", async () => {
    const client = createConnectClient({ baseUrl });
    const items = [];
    for await (const item of client.stream("StreamMessages", { afterCursor: "c-7" }, "vt-2"))
      items.push(item);
    assert.deepEqual(items.slice(0, 2), [
      { message: { id: "m1", cursor: "c-7", senderName: "Bearer vt-2" } },
      { typing: { senderName: "Demo", active: true } },
    ]);
    assert.deepEqual(items[2], { message: { id: "m2", message: { text: { body: BIG } } } });
    assert.equal(items.length, 3);
  });

  it("ends a stream with the error its last envelope carries, after the messages before it", async () => {
    const client = createConnectClient({ baseUrl });
    const items: unknown[] = [];
    const err = await (async () => {
      for await (const item of client.stream("StreamMessages", { afterCursor: "fail" })) items.push(item);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(items.length, 2);
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.code, "resource_exhausted");
  });
});
