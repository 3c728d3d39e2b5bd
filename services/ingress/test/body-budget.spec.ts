import assert from "node:assert/strict";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { signMeta, uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { textDelivery } from "./support/deliveries.js";
import { type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { settledRowsOf } from "./support/rows.js";
import { createTestMetrics, type TestMetrics } from "./support/test-metrics.js";

const MAX_BODY_BYTES = 512 * 1024;
const BUDGET_BYTES = 768 * 1024;
const GAUGE = "atendo.ingress.webhooks.body_bytes";

/** A request whose body the test sends piece by piece, on a connection of its own. */
interface OpenRequest {
  /** Sends the next `bytes` bytes of the body (all that is left when omitted). */
  send(bytes?: number): Promise<void>;
  /** Sends the rest and ends the body. */
  finish(): Promise<void>;
  /** Bytes of the body sent so far. */
  readonly sent: number;
  /** The answer, whenever it comes (before the body is complete, too). */
  response: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** Cuts the connection, as a client that gives up does. */
  abort(): void;
}

describe("webhook bodies take their bytes from one budget before they are read", function () {
  this.timeout(60_000);
  let h: Harness;
  let ingress: RunningService;
  let url: string;
  let channel: TestChannel;
  let metrics: TestMetrics;

  before(async () => {
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    metrics = createTestMetrics();
    ingress = await start(
      h.ingressConfig({
        busNamespace: uniqueNamespace("ingress"),
        webhookMaxBodyBytes: MAX_BODY_BYTES,
        webhookReadMaxBytes: BUDGET_BYTES,
      }),
      { logger: h.logger, meterProvider: metrics.meterProvider },
    );
    url = `http://127.0.0.1:${ingress.port}`;
    channel = await h.createChannel();
    // The channel is looked up once: from now on a request goes straight to its body.
    assert.equal((await postSigned(url, channel, textDelivery(channel).body)).status, 200);
  });

  after(async () => {
    await ingress?.stop();
    await metrics?.shutdown();
    await h?.stop();
  });

  const bodyBytes = async () => (await metrics.gauge(GAUGE, {})) ?? 0;

  /** A signed delivery of exactly `size` bytes. */
  function deliveryOf(size: number): Buffer {
    const base = textDelivery(channel, "").body.length;
    const body = textDelivery(channel, "x".repeat(size - base)).body;
    assert.equal(body.length, size);
    return body;
  }

  function open(body: Buffer, options: { declared: boolean }): OpenRequest {
    const req = request(`${url}/webhooks/whatsapp/${channel.channelId}`, {
      method: "POST",
      agent: new Agent({ keepAlive: false }),
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signMeta(channel.appSecret, body),
        // Without a length Node sends the body chunked.
        ...(options.declared ? { "content-length": String(body.length) } : {}),
      },
    });
    let sent = 0;
    let answered = false;
    const response = new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
      req.on("response", (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
      // Once answered, writes into a connection the server closed may fail: the answer is what counts.
      req.on("error", (err) => {
        if (!answered) reject(err);
      });
    });
    response.catch(() => undefined); // awaited by the tests that expect one
    req.flushHeaders();
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve) => {
        if (chunk.length === 0) resolve();
        else req.write(chunk, () => resolve());
      });
    return {
      async send(bytes = body.length - sent) {
        const chunk = body.subarray(sent, sent + bytes);
        sent += chunk.length;
        await write(chunk);
      },
      async finish() {
        await this.send();
        await new Promise<void>((resolve) => req.end(resolve));
      },
      get sent() {
        return sent;
      },
      response,
      abort: () => req.destroy(),
    };
  }

  it("answers 503 with Retry-After before reading a byte of a declared body the budget cannot hold, and stores those within it", async () => {
    const size = 250_000; // three fit in the budget, four do not
    const rowsBefore = (await settledRowsOf(channel.channelId)).length;
    const taken = [1, 2, 3].map(() => open(deliveryOf(size), { declared: true }));
    for (const r of taken) await r.send(1000);
    await waitFor(async () => (await bodyBytes()) === 3 * size, {
      message: "the three declared lengths to be taken from the budget",
    });

    const refusedBefore = await metrics.counter("atendo.ingress.webhooks.refused", { reason: "overloaded" });
    const over = open(deliveryOf(size), { declared: true });
    const refused = await over.response;
    assert.equal(over.sent, 0, "answered before any of its body was sent");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["retry-after"], "5");
    assert.equal(
      await metrics.counter("atendo.ingress.webhooks.refused", { reason: "overloaded" }),
      refusedBefore + 1,
    );
    over.abort();
    assert.ok((await bodyBytes()) <= BUDGET_BYTES);

    await Promise.all(taken.map((r) => r.finish()));
    const answers = await Promise.all(taken.map((r) => r.response));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200],
    );
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(
      rows.length,
      rowsBefore + 3,
      "the three within the budget are stored, the refused one is not",
    );
    const ids = new Set(rows.map((r) => r.id));
    for (const a of answers) assert.ok(ids.has(String(a.headers["x-correlation-id"])));
    assert.ok(rows.slice(-3).every((r) => r.body_size === size && r.status === "accepted"));
    await waitFor(async () => (await bodyBytes()) === 0, { message: "every byte to be given back" });
  });

  it("takes a chunked body's bytes as they arrive and refuses it mid-way once they no longer fit", async () => {
    const rowsBefore = (await settledRowsOf(channel.channelId)).length;
    const first = open(deliveryOf(500_000), { declared: false });
    await first.send(400_000);
    await waitFor(async () => (await bodyBytes()) === 400_000, {
      message: "the first body's bytes to be taken",
    });
    const second = open(deliveryOf(500_000), { declared: false });
    await second.send(300_000);
    await waitFor(async () => (await bodyBytes()) === 700_000, {
      message: "the second body's bytes to be taken",
    });

    // 200 000 more would make 900 000, over the budget of 786 432: refused unread from there on.
    await second.send(200_000);
    const refused = await second.response;
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["retry-after"], "5");
    await waitFor(async () => (await bodyBytes()) === 400_000, {
      message: "the refused body's bytes to be given back",
    });

    await first.finish();
    assert.equal((await first.response).status, 200);
    await waitFor(async () => (await bodyBytes()) === 0, { message: "every byte to be given back" });
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, rowsBefore + 1, "only the body that fit is stored");
    assert.equal(rows.at(-1)?.body_size, 500_000);
  });

  it("gives the bytes back when the client gives up mid-body, declared or chunked, and stores nothing", async () => {
    const rowsBefore = (await settledRowsOf(channel.channelId)).length;
    const declared = open(deliveryOf(300_000), { declared: true });
    await declared.send(100_000);
    const chunked = open(deliveryOf(300_000), { declared: false });
    await chunked.send(100_000);
    await waitFor(async () => (await bodyBytes()) === 400_000, {
      message: "both requests to take their bytes",
    });

    declared.abort();
    chunked.abort();
    await waitFor(async () => (await bodyBytes()) === 0, {
      message: "the aborted requests to give their bytes back",
    });
    assert.equal((await settledRowsOf(channel.channelId)).length, rowsBefore);
    // The budget is whole again: a body as large as the largest allowed goes through.
    assert.equal((await postSigned(url, channel, deliveryOf(MAX_BODY_BYTES))).status, 200);
  });
});
