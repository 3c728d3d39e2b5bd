// The foundation's main flow across the six services as processes: the exact bytes of the
// two-text-messages fixture, signed with the channel's app secret and posted three times (Meta
// retries), become two stored messages, three webhook rows, and exactly one reply at the fake
// WhatsApp Cloud API, to the right customer, with the text the ai service generated.
import assert from "node:assert/strict";
import { adminQuery, readFixture, signMeta, testEnv, waitFor } from "@atendo/testing";
import { type Product, startProduct } from "./support/product.js";
import { pipelineQuiet } from "./support/quiet.js";

const FIXTURE = "whatsapp/two-text-messages.json";
const WAMIDS = [
  "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDFBQUFBQUFBQUFBQUFBQUEA",
  "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDJCQkJCQkJCQkJCQkJCQkIA",
];

describe("main flow: a signed WhatsApp delivery travels through all six services", function () {
  this.timeout(180_000);
  let product: Product;
  const env = testEnv();

  before(async () => {
    product = await startProduct({
      // The fixture's own number (packages/testing/fixtures/README.md); unique per tenant only.
      spec: { phoneNumberId: "109876543210001", appSecret: "main-flow-app-secret" },
      extra: {
        // The fixture was sent on 2026-01-01: answer it although it is older than the default 24 h.
        ingress: { MAX_INBOUND_AGE_SECONDS: String(10 * 365 * 24 * 3600) },
      },
    });
  });

  after(async () => {
    const exits = await product?.stop();
    for (const [name, code] of exits ?? []) {
      assert.equal(code, 0, `${name} exited with ${code}:\n${product.output(name).slice(-20).join("\n")}`);
    }
  });

  it("stores both messages once for three identical posts and sends exactly one reply", async () => {
    const body = readFixture(FIXTURE);
    const { channelId, tenantId } = product.seed;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${product.url("ingress")}/webhooks/whatsapp/${channelId}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": signMeta("main-flow-app-secret", body),
        },
        body,
      });
      assert.equal(res.status, 200, `post ${i + 1}: ${await res.text()}`);
    }

    const [send] = await product.graph.waitForSends(1, 60_000);
    await waitFor(
      async () => {
        const report = await pipelineQuiet({
          natsUrl: env.natsUrl,
          redisUrl: env.redisUrl,
          namespace: product.namespace,
          redisPrefix: `${product.namespace}:`,
        });
        return report.quiet ? report : false;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: "the pipeline to settle" },
    );

    // One webhook_events row per POST, each accepted (marked just after the 200, off the request path).
    await waitFor(
      async () => {
        const rows = await adminQuery<{ status: string }>(
          "select status from ingress.webhook_events where channel_id = $1",
          [channelId],
        );
        return rows.length === 3 && rows.every((r) => r.status === "accepted");
      },
      { timeoutMs: 10_000, message: "three accepted webhook rows" },
    );

    // Both messages stored once, in one conversation with Ana Souza.
    const inbound = await adminQuery<{
      external_id: string;
      conversation_id: string;
      text: string;
      answered_at: Date | null;
    }>(
      `select external_id, conversation_id, text, answered_at from conversation.messages
        where tenant_id = $1 and direction = 'INBOUND' order by external_id`,
      [tenantId],
    );
    assert.deepEqual(
      inbound.map((m) => m.external_id),
      WAMIDS,
    );
    assert.equal(new Set(inbound.map((m) => m.conversation_id)).size, 1);
    assert.equal(inbound[0]?.text, "Oi! Vocês abrem no domingo?");
    assert.ok(
      inbound.every((m) => m.answered_at !== null),
      "one reply answers both messages of the turn",
    );
    const contacts = await adminQuery<{ display_name: string }>(
      "select display_name from conversation.contacts where tenant_id = $1",
      [tenantId],
    );
    assert.deepEqual(
      contacts.map((c) => c.display_name),
      ["Ana Souza"],
    );

    // Exactly one send, to the customer, with the stored reply's text, and its wamid recorded.
    assert.equal(product.graph.sends.length, 1, JSON.stringify(product.graph.sends, null, 1));
    assert.ok(send);
    assert.equal(send.businessId, "109876543210001");
    assert.equal(send.to?.replace(/^\+/, ""), "5511987654321");
    const outbound = await adminQuery<{ id: string; text: string; status: string; external_id: string }>(
      `select id, text, status, external_id from conversation.messages
        where tenant_id = $1 and direction = 'OUTBOUND'`,
      [tenantId],
    );
    assert.equal(outbound.length, 1);
    const sentText = (send.body as { text?: { body?: string } }).text?.body;
    assert.equal(sentText, outbound[0]?.text);
    assert.match(sentText ?? "", /modelo de linguagem/, "the offline provider's pt-BR notice");
    const wamid = (send.response.body as { messages?: Array<{ id?: string }> }).messages?.[0]?.id;
    assert.ok(wamid?.startsWith("wamid."));
    assert.equal(outbound[0]?.external_id, wamid);
    assert.equal(outbound[0]?.status, "SENT");
    const delivery = await adminQuery<{ status: string; external_message_id: string }>(
      "select status, external_message_id from delivery.deliveries where message_id = $1",
      [outbound[0]?.id],
    );
    assert.deepEqual(delivery, [{ status: "SENT", external_message_id: wamid }]);
  });
});
