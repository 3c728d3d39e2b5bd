// The whole product as `npm run dev` runs it: the six services as real processes (launcher +
// serviceEnv), the demo seeded through their RPCs, the local edge, and the fake Graph API. A signed
// WhatsApp webhook posted at the edge comes back as a reply sent to the customer.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import type { FakeGraph } from "@atendo/testing";
import { readFixture, signMeta, uniqueNamespace } from "@atendo/testing";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { refreshWebhookBody } from "../scripts/lib/demo-webhook.js";
import type { Edge } from "../scripts/lib/edge.js";
import { createEdge } from "../scripts/lib/edge.js";
import type { DemoSeed } from "../scripts/lib/seed.js";
import { seedDemo } from "../scripts/lib/seed.js";
import type { ServiceName } from "../scripts/lib/stack.js";
import { SERVICES } from "../scripts/lib/stack.js";
import { type Product, startProduct } from "./support/product.js";

const CUSTOMER = "5511987654321"; // the fixture's sender

describe("the dev stack end to end (six service processes, seed, edge)", function () {
  this.timeout(120_000);
  let product: Product;
  let edge: Edge;
  let edgeUrl: string;
  let seed: DemoSeed;
  let graph: FakeGraph;
  let spec: DemoSeed["spec"];
  const url = (name: ServiceName): string => product.url(name);

  before(async () => {
    const ns = uniqueNamespace("seed");
    product = await startProduct({
      spec: {
        // phone_number_id is unique among a tenant's live WhatsApp channels: one of our own.
        phoneNumberId: `1${String(randomInt(10 ** 9, 10 ** 10 - 1))}${String(randomInt(10 ** 4, 10 ** 5 - 1))}`,
        appSecret: `e2e-app-secret-${ns}`,
        verifyToken: `e2e-verify-${ns}`,
        accessToken: `e2e-token-${ns}`,
      },
    });
    seed = product.seed;
    spec = seed.spec;
    graph = product.graph;
    edge = createEdge({ upstreams: Object.fromEntries(SERVICES.map((s) => [s, url(s)])) });
    edgeUrl = `http://127.0.0.1:${await edge.listen(0)}`;
  });

  after(async () => {
    await edge?.close(500);
    const exits = await product?.stop();
    // SIGTERM is a clean shutdown for every service.
    for (const [name, code] of exits ?? []) {
      assert.equal(code, 0, `${name} exited with ${code}:\n${product.output(name).slice(-20).join("\n")}`);
    }
  });

  it("seeds the demo once: a second run finds the same tenant, workspace, channel and assistant", async () => {
    const again = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec,
    });
    assert.deepEqual(
      [again.tenantId, again.workspaceId, again.channelId, again.assistantId],
      [seed.tenantId, seed.workspaceId, seed.channelId, seed.assistantId],
    );
    assert.deepEqual(again.changed, [], "nothing to create or change the second time");
    assert.deepEqual(seed.changed, ["tenant", "workspace", "channel", "assistant", "channel binding"]);
  });

  it("brings a changed channel back to the known secrets and Graph URL", async () => {
    const moved = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: `${graph.url}/elsewhere`,
      spec,
    });
    assert.deepEqual(moved.changed, ["channel secrets"]);
    const back = await seedDemo({
      tenantUrl: url("tenant"),
      assistantUrl: url("assistant"),
      graphBaseUrl: graph.url,
      spec,
    });
    assert.deepEqual(back.changed, ["channel secrets"]);
    assert.equal(back.channelId, seed.channelId);
  });

  it("serves the tenant service's public RPCs through the edge in gRPC, gRPC-web and Connect", async () => {
    for (const transport of [
      createGrpcTransport({ baseUrl: edgeUrl }),
      createGrpcWebTransport({ baseUrl: edgeUrl, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: edgeUrl, httpVersion: "1.1" }),
    ]) {
      const res = await createClient(TenantService, transport).getTenant({ tenantId: seed.tenantId });
      assert.equal(res.tenant?.slug, spec.slug);
    }
  });

  it("keeps internal RPCs (ResolveChannel) away from the edge while services reach them directly", async () => {
    const viaEdge = createClient(ChannelService, createGrpcTransport({ baseUrl: edgeUrl }));
    const err = await viaEdge.resolveChannel({ key: { case: "channelId", value: seed.channelId } }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(err?.code, Code.Unimplemented, "the edge must not resolve channels (it returns secrets)");
    const direct = createClient(ChannelService, createGrpcTransport({ baseUrl: url("tenant") }));
    const resolved = await direct.resolveChannel({ key: { case: "channelId", value: seed.channelId } });
    assert.equal(resolved.tenantId, seed.tenantId);
  });

  it("answers Meta's verify handshake through the edge", async () => {
    const q = new URLSearchParams({
      "hub.mode": "subscribe",
      "hub.verify_token": spec.verifyToken,
      "hub.challenge": "1158201444",
    });
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}?${q.toString()}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "1158201444");
  });

  it("turns a signed webhook at the edge into a reply sent to the customer through Graph", async () => {
    const body = refreshWebhookBody(readFixture("whatsapp/two-text-messages.json"), {
      nowSeconds: Math.floor(Date.now() / 1000),
      idSuffix: product.namespace.replace(/_/g, ""),
      phoneNumberId: spec.phoneNumberId,
    });
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMeta(spec.appSecret, body) },
      body,
    });
    assert.equal(res.status, 200, await res.text());
    const sends = await graph.waitForSends(1, 60_000);
    const reply = sends.find((s) => s.kind === "whatsapp_message");
    assert.ok(reply, `a message was sent: ${JSON.stringify(sends)}`);
    assert.equal(reply.businessId, spec.phoneNumberId);
    assert.equal(reply.to?.replace(/^\+/, ""), CUSTOMER);
    assert.equal(reply.headers.authorization, `Bearer ${spec.accessToken}`);
    const text = (reply.body as { text?: { body?: string } }).text?.body ?? "";
    assert.ok(text.length > 0, "the reply has text");
    assert.equal(reply.response.status, 200);
  });

  it("refuses a webhook with a bad signature at the edge (401 from ingress)", async () => {
    const body = readFixture("whatsapp/two-text-messages.json");
    const res = await fetch(`${edgeUrl}/webhooks/whatsapp/${seed.channelId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMeta("wrong-secret", body) },
      body,
    });
    assert.equal(res.status, 401);
  });
});
