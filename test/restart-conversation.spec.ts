// Crash safety of the main flow: the conversation service is killed (SIGKILL, no shutdown) twice
// while customers' messages are in flight, once while it consumes them and once while turns wait in
// the buffer and replies come back, and restarted each time. Every message must still be stored
// once and answered once: no loss, no duplicate reply.
import assert from "node:assert/strict";
import { adminQuery, signMeta, testEnv, waitFor } from "@atendo/testing";
import { type Product, startProduct } from "./support/product.js";
import { pipelineQuiet } from "./support/quiet.js";

const CUSTOMERS = 24;
const APP_SECRET = "restart-app-secret";
const PHONE_NUMBER_ID = "109876543219999";

/** A WhatsApp delivery with one text message from customer `i`, sent now. */
function delivery(run: string, i: number): string {
  const waId = `55119${String(70_000_000 + i)}`;
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "200000000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name: `Customer ${i}` }, wa_id: waId }],
              messages: [
                {
                  from: waId,
                  id: `wamid.restart.${run}.${i}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: `Mensagem ${i}: vocês entregam hoje?` },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

describe("killing the conversation service while messages are in flight loses none of them", function () {
  this.timeout(300_000);
  let product: Product;
  const env = testEnv();

  before(async () => {
    product = await startProduct({
      spec: { phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET },
      extra: {
        // Turns wait long enough in the buffer to be caught by the second kill; a lease of a killed
        // flusher comes back quickly.
        conversation: { BUFFER_WINDOW_MS: "1500", BUFFER_LEASE_MS: "2000", BUFFER_POLL_MS: "50" },
      },
    });
  });

  after(async () => {
    const exits = await product?.stop();
    for (const [name, code] of exits ?? []) {
      assert.equal(code, 0, `${name} exited with ${code}:\n${product.output(name).slice(-20).join("\n")}`);
    }
  });

  it("stores and answers every message exactly once across two SIGKILLs", async () => {
    const { channelId, tenantId } = product.seed;
    const run = product.namespace;
    const post = async (i: number): Promise<void> => {
      const body = delivery(run, i);
      const res = await fetch(`${product.url("ingress")}/webhooks/whatsapp/${channelId}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signMeta(APP_SECRET, body) },
        body,
      });
      assert.equal(res.status, 200, await res.text());
    };

    // 1. Every delivery is durably accepted by ingress; conversation dies while consuming them.
    await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => post(i)));
    product.process("conversation").kill();
    await product.process("conversation").exited;
    await product.restart("conversation");

    // 2. Once replies start to flow, turns are still armed in the buffer or being answered: kill again.
    await product.graph.waitForSends(1, 90_000);
    assert.ok(product.graph.sends.length < CUSTOMERS, "the second kill must happen mid-flight");
    product.process("conversation").kill();
    await product.process("conversation").exited;
    await product.restart("conversation");

    // 3. Everything arrives, and then nothing more is in flight anywhere.
    await product.graph.waitForSends(CUSTOMERS, 150_000);
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
      { timeoutMs: 90_000, intervalMs: 200, message: "the pipeline to settle" },
    );

    const recipients = product.graph.sends.map((s) => s.to?.replace(/^\+/, ""));
    assert.equal(product.graph.sends.length, CUSTOMERS, `sends: ${recipients.join(", ")}`);
    assert.equal(new Set(recipients).size, CUSTOMERS, "one reply per customer");

    const inbound = await adminQuery<{ n: string; answered: string; distinct_ids: string }>(
      `select count(*) as n, count(answered_at) as answered, count(distinct external_id) as distinct_ids
         from conversation.messages where tenant_id = $1 and direction = 'INBOUND'`,
      [tenantId],
    );
    assert.deepEqual(inbound[0], {
      n: String(CUSTOMERS),
      answered: String(CUSTOMERS),
      distinct_ids: String(CUSTOMERS),
    });

    const perConversation = await adminQuery<{ outbound: string }>(
      `select count(m.id) filter (where m.direction = 'OUTBOUND') as outbound
         from conversation.conversations c left join conversation.messages m on m.conversation_id = c.id
        where c.tenant_id = $1 group by c.id`,
      [tenantId],
    );
    assert.equal(perConversation.length, CUSTOMERS, "one conversation per customer");
    assert.ok(
      perConversation.every((c) => c.outbound === "1"),
      `outbound replies per conversation: ${perConversation.map((c) => c.outbound).join(",")}`,
    );
    const sent = await adminQuery<{ n: string }>(
      "select count(*) as n from delivery.deliveries where tenant_id = $1 and status = 'SENT'",
      [tenantId],
    );
    assert.equal(sent[0]?.n, String(CUSTOMERS));
  });
});
