import assert from "node:assert/strict";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { forChannel, type Harness, postSigned, startHarness } from "./support/harness.js";
import { settledRowsOf } from "./support/rows.js";
import { ANA, waBody, waMessage } from "./support/whatsapp-payloads.js";

// Generated bodies, as a new user's fuzzer would send them: JSON escapes that are valid JSON but
// text Postgres cannot hold (NUL) or that is not well-formed Unicode (a lone surrogate). The raw
// bytes are kept as they came; the text ingress derives from them and stores is cleaned.
describe("webhooks with text Postgres cannot hold (NUL, lone surrogates)", function () {
  this.timeout(30_000);
  let h: Harness;
  let events: EventCollector;

  before(async () => {
    h = await startHarness();
    events = await collectIngressEvents(h.bus);
  });

  after(async () => {
    await events?.stop();
    await h?.stop();
  });

  /** A signed delivery whose JSON text is spliced in as written (escapes included). */
  function rawBody(json: string): Buffer {
    return Buffer.from(json, "utf8");
  }

  it('accepts a signed delivery with "\\u0000" in a string that ends up in the row\'s reason', async () => {
    const channel = await h.createChannel();
    // A change for another field, named with a NUL: the row's reason quotes the field name.
    const body = forChannel(
      channel,
      rawBody(
        '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"mess\\u0000ages","value":{}}]}]}',
      ),
    );
    const res = await postSigned(h.ingressUrl, channel, body);
    assert.equal(res.status, 200, await res.text());
    const [row] = await settledRowsOf(channel.channelId);
    assert.equal(row?.status, "accepted");
    assert.ok(row?.body.equals(body), "the raw bytes are kept as they came");
    assert.equal(row?.reason, 'ignored field "mess\ufffdages"');
  });

  it("accepts a NUL in the phone_number_id and in a message text, and publishes the message", async () => {
    const channel = await h.createChannel();
    const text = waMessage("text", { text: { body: "Oi\u0000 tudo bem?" } });
    const json = waBody(
      { contacts: [ANA], messages: [text] },
      { phoneNumberId: "1\u00002", messages: [waMessage("text", { text: { body: "x" } })] },
    ).toString("utf8");
    assert.match(json, /\\u0000/, "JSON.stringify escapes the NUL as Meta would");
    const res = await postSigned(h.ingressUrl, channel, forChannel(channel, rawBody(json)));
    assert.equal(res.status, 200, await res.text());
    const [row] = await settledRowsOf(channel.channelId);
    assert.equal(row?.status, "accepted");
    assert.equal(row?.message_count, 1);
    assert.equal(row?.reason, 'skipped a change for phone_number_id "1\ufffd2" (not this channel\'s number)');
    await events.settle();
    const [published] = events.messages(channel.channelId);
    // The event carries the text as Meta sent it: the services that store it clean it there.
    assert.equal(
      published?.event.message?.content.case === "text" && published.event.message.content.value.body,
      "Oi\u0000 tudo bem?",
    );
  });

  it("stores a lone surrogate as U+FFFD and accepts the delivery", async () => {
    const channel = await h.createChannel();
    const body = forChannel(
      channel,
      rawBody(
        '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"\\ud800x\\udc00","value":{}}]}]}',
      ),
    );
    const res = await postSigned(h.ingressUrl, channel, body);
    assert.equal(res.status, 200, await res.text());
    const [row] = await settledRowsOf(channel.channelId);
    assert.equal(row?.status, "accepted");
    assert.ok(row?.body.equals(body));
    assert.equal(row?.reason, 'ignored field "\ufffdx\ufffd"');
  });
});
