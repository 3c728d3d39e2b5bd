import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { signMeta } from "@atendo/testing";
import fc from "fast-check";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, postWebhook, startHarness, type TestChannel } from "./support/harness.js";
import { createInstagramChannel, type InstagramTestChannel } from "./support/instagram-channel.js";
import { rowsOf, type WebhookRow } from "./support/rows.js";
import {
  createWebChannel,
  pageHeaders,
  startSession,
  type WebChannel,
  widgetClient,
} from "./support/widget-kit.js";

// Generated inputs against the real ingress: whatever arrives, no 5xx, no crash, and every webhook
// that was read is recorded (stored and 200, or a rejected row and 401). The seed is fixed so a
// failure reproduces; FUZZ_SEED and FUZZ_RUNS explore further.
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const CONCURRENCY = 16;

type Signature = "valid" | "missing" | "wrong-secret" | "malformed";

interface WebhookCase {
  body: Uint8Array;
  signature: Signature;
  contentType: string;
}

/** Any JSON value, mostly small, sometimes of the wrong type where the channel has a field. */
const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.integer() },
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: valid }, anyValue);
const digits = fc.stringMatching(/^[0-9]{6,15}$/);
const secondsString = fc.integer({ min: 0, max: 2_000_000_000 }).map(String);
const WA_TYPES = [
  "text",
  "image",
  "audio",
  "video",
  "document",
  "sticker",
  "location",
  "contacts",
  "interactive",
  "button",
  "reaction",
  "order",
  "system",
  "unsupported",
  "edit",
  "revoke",
  "media_placeholder",
  "something_new",
];

function whatsappBody(phoneNumberId: string): fc.Arbitrary<unknown> {
  const message = fc.record(
    {
      from: maybe(digits),
      id: maybe(fc.string({ minLength: 1, maxLength: 60 })),
      timestamp: maybe(secondsString),
      type: maybe(fc.constantFrom(...WA_TYPES)),
      text: maybe(fc.record({ body: maybe(fc.string({ unit: "binary", maxLength: 200 })) })),
      image: maybe(
        fc.record({ id: maybe(digits), mime_type: anyValue, sha256: anyValue, caption: anyValue }),
      ),
      location: maybe(fc.record({ latitude: maybe(fc.double()), longitude: maybe(fc.double()) })),
      reaction: maybe(fc.record({ message_id: anyValue, emoji: anyValue })),
      interactive: maybe(
        fc.record({ type: anyValue, button_reply: maybe(fc.record({ id: anyValue, title: anyValue })) }),
      ),
      edit: maybe(fc.record({ original_message_id: anyValue, message: anyValue })),
      revoke: maybe(fc.record({ original_message_id: anyValue })),
      context: anyValue,
      referral: anyValue,
    },
    { requiredKeys: ["from", "id", "timestamp", "type", "text"] },
  );
  const status = fc.record(
    {
      id: maybe(fc.string({ minLength: 1, maxLength: 60 })),
      status: maybe(fc.constantFrom("sent", "delivered", "read", "failed", "played", "deleted")),
      timestamp: maybe(secondsString),
      recipient_id: maybe(digits),
      errors: anyValue,
      pricing: anyValue,
    },
    { requiredKeys: [] },
  );
  const value = fc.record(
    {
      messaging_product: maybe(fc.constant("whatsapp")),
      metadata: maybe(
        fc.record(
          {
            phone_number_id: maybe(fc.constantFrom(phoneNumberId, phoneNumberId, phoneNumberId, "123456123")),
            display_phone_number: maybe(digits),
          },
          { requiredKeys: ["phone_number_id"] },
        ),
      ),
      contacts: maybe(fc.array(fc.record({ wa_id: maybe(digits), profile: anyValue }), { maxLength: 3 })),
      messages: maybe(fc.array(message, { maxLength: 6 })),
      message_echoes: maybe(fc.array(message, { maxLength: 3 })),
      statuses: maybe(fc.array(status, { maxLength: 4 })),
      history: maybe(
        fc.array(
          fc.record({
            metadata: maybe(fc.record({ phase: anyValue, chunk_order: anyValue, progress: anyValue })),
            threads: maybe(
              fc.array(
                fc.record({ id: maybe(digits), messages: maybe(fc.array(message, { maxLength: 3 })) }),
                { maxLength: 2 },
              ),
            ),
          }),
          { maxLength: 2 },
        ),
      ),
      state_sync: maybe(
        fc.array(
          fc.record({
            type: anyValue,
            contact: anyValue,
            action: maybe(fc.constantFrom("add", "remove")),
            metadata: anyValue,
          }),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: ["metadata", "messages"] },
  );
  const change = fc.record({
    field: maybe(fc.constantFrom("messages", "smb_message_echoes", "history", "smb_app_state_sync", "other")),
    value: maybe(value),
  });
  return fc.record(
    {
      object: maybe(fc.constant("whatsapp_business_account")),
      entry: maybe(
        fc.array(fc.record({ id: maybe(digits), changes: maybe(fc.array(change, { maxLength: 3 })) }), {
          maxLength: 3,
        }),
      ),
    },
    { requiredKeys: [] },
  );
}

function instagramBody(accountId: string): fc.Arbitrary<unknown> {
  const id = maybe(fc.constantFrom(accountId, "6130000000000001", "17841499999999999"));
  const ms = maybe(fc.integer({ min: 0, max: 2_000_000_000_000 }));
  const attachment = fc.record(
    {
      type: maybe(
        fc.constantFrom("image", "audio", "video", "file", "share", "story_mention", "ig_reel", "new"),
      ),
      payload: maybe(fc.record({ url: maybe(fc.webUrl()) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  );
  const event = fc.record(
    {
      sender: maybe(fc.record({ id }, { requiredKeys: [] })),
      recipient: maybe(fc.record({ id }, { requiredKeys: [] })),
      timestamp: ms,
      message: maybe(
        fc.record(
          {
            mid: maybe(fc.string({ minLength: 1, maxLength: 60 })),
            text: maybe(fc.string({ unit: "binary", maxLength: 200 })),
            attachments: maybe(fc.array(attachment, { maxLength: 4 })),
            is_echo: maybe(fc.boolean()),
            is_deleted: maybe(fc.boolean()),
            is_unsupported: maybe(fc.boolean()),
            quick_reply: anyValue,
            reply_to: anyValue,
            referral: anyValue,
          },
          { requiredKeys: ["mid"] },
        ),
      ),
      message_edit: maybe(
        fc.record({ mid: anyValue, text: anyValue, num_edit: anyValue }, { requiredKeys: [] }),
      ),
      reaction: maybe(
        fc.record({ mid: anyValue, action: maybe(fc.constantFrom("react", "unreact")), emoji: anyValue }),
      ),
      postback: maybe(fc.record({ mid: anyValue, title: anyValue, payload: anyValue }, { requiredKeys: [] })),
      read: maybe(fc.record({ mid: anyValue })),
      referral: anyValue,
    },
    { requiredKeys: ["sender", "recipient", "timestamp"] },
  );
  return fc.record(
    {
      object: maybe(fc.constant("instagram")),
      entry: maybe(
        fc.array(
          fc.record(
            {
              id,
              time: ms,
              messaging: maybe(fc.array(event, { maxLength: 3 })),
              changes: maybe(
                fc.array(fc.record({ field: maybe(fc.constant("messages")), value: maybe(event) }), {
                  maxLength: 2,
                }),
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      ),
    },
    { requiredKeys: ["object", "entry"] },
  );
}

/** Bodies: shaped like the channel's (with wrong types anywhere), any JSON, broken JSON, bytes. */
function bodies(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? "null");
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map(json) },
    { weight: 2, arbitrary: fc.jsonValue().map(json) },
    // Cut anywhere: malformed JSON.
    {
      weight: 2,
      arbitrary: fc
        .tuple(shaped.map(json), fc.nat())
        .map(([b, cut]) => b.subarray(0, b.length === 0 ? 0 : cut % b.length)),
    },
    // Deep nesting, past what a recursive mapper could take.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 50, max: 60_000 }), fc.constantFrom("[", '{"a":'))
        .map(([depth, open]) => Buffer.from(open.repeat(depth))),
    },
    // Bytes that are not UTF-8.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)) },
  );
}

function cases(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<WebhookCase> {
  return fc.record({
    body: bodies(shaped),
    signature: fc.constantFrom<Signature>(
      "valid",
      "valid",
      "valid",
      "valid",
      "missing",
      "wrong-secret",
      "malformed",
    ),
    contentType: fc.constantFrom("application/json", "text/plain", "", "application/json; charset=latin1"),
  });
}

function signatureFor(kind: Signature, secret: string, body: Uint8Array): string | undefined {
  switch (kind) {
    case "valid":
      return signMeta(secret, Buffer.from(body));
    case "missing":
      return undefined;
    case "wrong-secret":
      return signMeta(`${secret}-not`, Buffer.from(body));
    case "malformed":
      return "sha256=zz";
  }
}

interface Outcome {
  kase: WebhookCase;
  status: number;
  correlationId: string | null;
}

async function postAll(
  h: Harness,
  type: "whatsapp" | "instagram",
  channelId: string,
  secret: string,
  all: WebhookCase[],
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < all.length; i += CONCURRENCY) {
    const chunk = all.slice(i, i + CONCURRENCY);
    out.push(
      ...(await Promise.all(
        chunk.map(async (kase) => {
          const signature = signatureFor(kase.signature, secret, kase.body);
          const res = await fetch(`${h.ingressUrl}/webhooks/${type}/${channelId}`, {
            method: "POST",
            headers: {
              ...(kase.contentType === "" ? {} : { "content-type": kase.contentType }),
              ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
            },
            body: kase.body,
          });
          await res.arrayBuffer();
          return { kase, status: res.status, correlationId: res.headers.get("x-correlation-id") };
        }),
      )),
    );
  }
  return out;
}

/** Every answer is 200 (stored) or 401 (a rejected row); every row is the body that was sent. */
function assertRecorded(outcomes: Outcome[], rows: WebhookRow[]): void {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const statuses = new Map<number, number>();
  for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
  const serverErrors = outcomes.filter((o) => o.status >= 500);
  assert.equal(serverErrors.length, 0, `no 5xx (answers by status: ${JSON.stringify([...statuses])})`);
  for (const o of outcomes) {
    const expected = o.kase.signature === "valid" ? 200 : 401;
    assert.equal(o.status, expected, `a ${o.kase.signature} signature is answered ${expected}`);
    assert.ok(o.correlationId, "every answer names its row");
    const row = byId.get(o.correlationId);
    assert.ok(row, `the delivery ${o.correlationId} (${o.kase.signature}) is recorded`);
    const sha = createHash("sha256").update(Buffer.from(o.kase.body)).digest();
    assert.ok(row.body_sha256?.equals(sha), "the row holds the hash of the bytes sent");
    assert.equal(row.body_size, o.kase.body.length);
    if (expected === 401) assert.equal(row.status, "rejected");
    else {
      // Mapping never throws: nothing is left failed or queued by a body, whatever it holds.
      assert.ok(
        ["accepted", "ignored"].includes(row.status),
        `row ${row.id} is ${row.status}: ${row.last_error}`,
      );
      assert.ok(Buffer.from(o.kase.body).equals(row.body), "a stored delivery keeps every byte");
    }
  }
  assert.equal(rows.length, outcomes.length, "one row per request, no more");
}

/** What conversation needs of every published message, so nothing dead-letters downstream. */
function assertUsable(events: EventCollector, channelId: string): void {
  for (const { event } of events.messages(channelId)) {
    assert.notEqual(
      event.contact?.externalId ?? "",
      "",
      `message ${event.externalMessageId} names its sender`,
    );
    assert.ok(event.message?.content.case, `message ${event.externalMessageId} has content`);
  }
}

async function settled(channelId: string, count: number): Promise<WebhookRow[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await rowsOf(channelId);
    if (rows.length >= count && rows.every((r) => r.status !== "queued")) return rows;
    if (Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("fuzzing the webhooks and the widget (generated inputs against the real ingress)", function () {
  this.timeout(300_000);
  let h: Harness;
  let events: EventCollector;

  before(async () => {
    h = await startHarness({
      // Every request must be answered on its merits, not throttled.
      REJECTED_LIMIT_PER_CHANNEL: "100000",
      REJECTED_LIMIT_PER_IP: "100000",
      WEBHOOK_RATE_FREE_TENANT_PER_SECOND: "100000",
      WEBHOOK_RATE_FREE_TENANT_BURST: "100000",
      WEBHOOK_RATE_FREE_CHANNEL_PER_SECOND: "100000",
      WEBHOOK_RATE_FREE_CHANNEL_BURST: "100000",
      WIDGET_SESSIONS_PER_IP: "100000",
      WIDGET_MESSAGES_PER_VISITOR: "100000",
      WIDGET_MESSAGES_PER_SITE: "100000",
    });
    events = await collectIngressEvents(h.bus);
  });
  after(async () => {
    await events?.stop();
    await h?.stop();
  });

  it(`WhatsApp: ${RUNS} generated deliveries, no 5xx, each recorded, every published message usable`, async () => {
    const channel: TestChannel = await h.createChannel();
    const all = fc.sample(cases(whatsappBody(channel.phoneNumberId)), { seed: SEED, numRuns: RUNS });
    const outcomes = await postAll(h, "whatsapp", channel.channelId, channel.appSecret, all);
    assertRecorded(outcomes, await settled(channel.channelId, outcomes.length));
    await events.settle();
    assertUsable(events, channel.channelId);
    // Still serving: a plain delivery goes through.
    const ok = await postWebhook(
      h.ingressUrl,
      channel.channelId,
      Buffer.from("{}"),
      signMeta(channel.appSecret, Buffer.from("{}")),
    );
    assert.equal(ok.status, 200);
  });

  it(`Instagram: ${RUNS} generated deliveries, no 5xx, each recorded, every published message usable`, async () => {
    const channel: InstagramTestChannel = await createInstagramChannel(h);
    const all = fc.sample(cases(instagramBody(channel.accountId)), { seed: SEED + 1, numRuns: RUNS });
    const outcomes = await postAll(h, "instagram", channel.channelId, channel.appSecret, all);
    assertRecorded(outcomes, await settled(channel.channelId, outcomes.length));
    await events.settle();
    assertUsable(events, channel.channelId);
  });

  it("the widget: generated StartSession and SendMessage bodies and headers get 4xx answers, never 5xx", async () => {
    const origin = "https://shop.example";
    const channel: WebChannel = await createWebChannel(h, { allowedOrigins: [origin] });
    const session = await startSession(widgetClient(h.ingressUrl), channel, origin);
    const token = session.visitorToken;
    const request = fc.record({
      method: fc.constantFrom("StartSession", "SendMessage", "ListMessages"),
      body: fc.oneof(
        fc
          .record(
            {
              siteKey: maybe(fc.constantFrom(channel.siteKey, "pk_0000000000000000")),
              visitor: maybe(
                fc.record(
                  { userId: anyValue, identityHash: anyValue, name: anyValue, email: anyValue },
                  { requiredKeys: [] },
                ),
              ),
              requestId: maybe(fc.uuid()),
              message: maybe(
                fc.record(
                  { text: maybe(fc.record({ body: maybe(fc.string({ unit: "binary", maxLength: 5000 })) })) },
                  { requiredKeys: [] },
                ),
              ),
              afterCursor: anyValue,
              pageSize: anyValue,
            },
            { requiredKeys: [] },
          )
          .map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 200 }),
      ),
      origin: fc.constantFrom(origin, "https://evil.example", undefined),
      token: fc.constantFrom(token, "not-a-token", undefined),
    });
    const all = fc.sample(request, { seed: SEED + 2, numRuns: Math.ceil(RUNS / 2) });
    const answers = new Map<number, number>();
    for (let i = 0; i < all.length; i += CONCURRENCY) {
      await Promise.all(
        all.slice(i, i + CONCURRENCY).map(async (r) => {
          const res = await fetch(`${h.ingressUrl}/atendo.ingress.v1.WidgetService/${r.method}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...pageHeaders(r.origin, r.token) },
            body: r.body,
          });
          const text = await res.text();
          answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
          assert.ok(
            res.status < 500,
            `${r.method} ${r.body.slice(0, 200)} answered ${res.status}: ${text.slice(0, 300)}`,
          );
        }),
      );
    }
    assert.ok(
      (answers.get(200) ?? 0) > 0,
      `some generated calls are valid (answers ${JSON.stringify([...answers])})`,
    );
    assert.ok(
      [...answers.keys()].some((s) => s >= 400),
      "and some are refused",
    );
  });
});
