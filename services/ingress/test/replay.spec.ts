import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { WebhookEventStatus, WebhookService } from "@atendo/proto/ingress/v1";
import { createServiceClient, errorInfoOf } from "@atendo/service-kit";
import { adminQuery, expectConnectError, signMeta, uniqueNamespace, waitFor } from "@atendo/testing";
import type { Client, Interceptor } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { type RunningService, start } from "../src/main.js";
import { expectedMessages, textDelivery } from "./support/deliveries.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, postSigned, postWebhook, startHarness, type TestChannel } from "./support/harness.js";
import { insertRows, rowsOf, settledRowsOf } from "./support/rows.js";

describe("WebhookService.ReplayWebhookEvent", function () {
  this.timeout(30_000);
  let h: Harness;
  let channel: TestChannel;
  // A second instance on a namespace of its own, whose stream starts empty: what a replay
  // publishes there is visible, where the first instance's stream would drop it as a duplicate.
  let namespace: string;
  let other: RunningService;
  let otherBus: Bus;
  let otherEvents: EventCollector;
  let events: EventCollector;
  let replayer: Client<typeof WebhookService>;

  before(async () => {
    h = await startHarness();
    channel = await h.createChannel();
    events = await collectIngressEvents(h.bus);
    namespace = uniqueNamespace("ingress");
    other = await start(h.ingressConfig({ busNamespace: namespace }), { logger: h.logger });
    otherBus = await connectBus({ servers: h.env.natsUrl, name: "replay-test", logger: h.logger, namespace });
    otherEvents = await collectIngressEvents(otherBus);
    const bearer: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${channel.owner.accessToken}`);
      return next(req);
    };
    replayer = createServiceClient(WebhookService, `http://127.0.0.1:${other.port}`, {
      interceptors: [bearer],
    });
  });

  after(async () => {
    await otherEvents?.stop();
    await events?.stop();
    await other?.stop();
    await otherBus?.deleteNamespaceStreams();
    await otherBus?.close();
    await h?.stop();
  });

  const replay = (webhookEventId: string, requestId = "") =>
    replayer.replayWebhookEvent({ workspaceId: channel.workspaceId, webhookEventId, requestId });

  it("publishes an accepted delivery's events again with their first msgIDs and event ids, and answers the row", async () => {
    const { body } = textDelivery(channel);
    assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
    const [row] = await settledRowsOf(channel.channelId);
    assert.ok(row);
    await events.settle();
    const first = events.messages(channel.channelId);
    assert.equal(first.length, 1);

    const { event } = await replay(row.id);
    assert.equal(event?.id, row.id);
    assert.equal(event?.status, WebhookEventStatus.ACCEPTED);
    assert.equal(event?.messageCount, 1);
    assert.equal(event?.body.length, 0, "the answer leaves the body to GetWebhookEvent");
    assert.equal(event?.processedAt?.seconds, BigInt(Math.floor((row.processed_at?.getTime() ?? 0) / 1000)));

    await otherEvents.settle();
    const replayed = otherEvents.messages(channel.channelId);
    assert.equal(replayed.length, 1);
    assert.equal(replayed[0]?.msgId, first[0]?.msgId);
    assert.equal(replayed[0]?.event.meta?.eventId, first[0]?.event.meta?.eventId);
    assert.deepEqual(replayed[0]?.event.message, first[0]?.event.message);

    // Again: the stream drops the duplicate (and consumers would by event id).
    await replay(row.id);
    await otherEvents.settle();
    assert.equal(otherEvents.messages(channel.channelId).length, 1);
  });

  it("accepts a held delivery whose hold is lifted, and refuses one still held", async () => {
    const { body } = textDelivery(channel);
    assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
    const row = (await settledRowsOf(channel.channelId)).at(-1);
    assert.ok(row);
    await adminQuery("update ingress.webhook_events set status = 'held', processed_at = null where id = $1", [
      row.id,
    ]);

    const { event } = await replay(row.id);
    assert.equal(event?.status, WebhookEventStatus.ACCEPTED);
    const [stored] = (await rowsOf(channel.channelId)).filter((r) => r.id === row.id);
    assert.equal(stored?.status, "accepted");
    assert.ok(stored?.processed_at instanceof Date);
    await otherEvents.settle();
    const [expected] = expectedMessages(channel, row);
    const published = otherEvents.messages(channel.channelId).filter((m) => m.msgId === expected?.msgId);
    assert.equal(published.length, 1);
    assert.equal(published[0]?.event.meta?.eventId, expected?.eventId);

    const disabled = await h.createChannel({ owner: channel.owner });
    await channel.owner.clients.channels.disableChannel({
      workspaceId: disabled.workspaceId,
      channelId: disabled.channelId,
      reason: "paused",
    });
    assert.equal((await postSigned(h.ingressUrl, disabled, textDelivery(disabled).body)).status, 200);
    const [held] = await settledRowsOf(disabled.channelId);
    assert.equal(held?.status, "held");
    const requestId = randomUUID();
    const refused = await expectConnectError(replay(held?.id ?? "", requestId), Code.FailedPrecondition);
    assert.match(refused.message, /channel disabled/);
    assert.equal(errorInfoOf(refused)?.reason, "WEBHOOK_EVENT_HELD");
    assert.equal(errorInfoOf(refused)?.metadata.channel_id, disabled.channelId);
    assert.equal((await rowsOf(disabled.channelId))[0]?.status, "held");

    // A refused replay keeps nothing of its request_id: once the hold is lifted (ingress releases
    // the row on the tenant's event), the same id works.
    await channel.owner.clients.channels.enableChannel({
      workspaceId: disabled.workspaceId,
      channelId: disabled.channelId,
    });
    await waitFor(async () => (await rowsOf(disabled.channelId))[0]?.status === "accepted", {
      message: "the held delivery to be released",
    });
    const retried = await replay(held?.id ?? "", requestId);
    assert.equal(retried.event?.status, WebhookEventStatus.ACCEPTED);
  });

  it("refuses a rejected delivery and answers not_found for an unknown one", async () => {
    const { body } = textDelivery(channel);
    assert.equal(
      (await postWebhook(h.ingressUrl, channel.channelId, body, signMeta("wrong", body))).status,
      401,
    );
    const rejected = (await rowsOf(channel.channelId)).find((r) => r.status === "rejected");
    assert.ok(rejected);
    const refused = await expectConnectError(replay(rejected.id), Code.FailedPrecondition);
    assert.match(refused.message, /rejected/);
    assert.equal(errorInfoOf(refused)?.reason, "WEBHOOK_EVENT_REJECTED");
    assert.equal(errorInfoOf(refused)?.domain, "atendo.ingress.v1");
    await expectConnectError(replay("0190f000-0000-7000-8000-00000000beef"), Code.NotFound);
  });

  it("refuses a delivery whose channel no longer exists, with its reason", async () => {
    const { body } = textDelivery(channel);
    const [orphan] = await insertRows({ ...channel, channelId: randomUUID() }, body, { status: "failed" });
    const refused = await expectConnectError(replay(orphan ?? ""), Code.FailedPrecondition);
    assert.equal(errorInfoOf(refused)?.reason, "WEBHOOK_EVENT_CHANNEL_GONE");
  });

  it("answers a retry with the same request_id with the first answer, without replaying again", async () => {
    const { body } = textDelivery(channel);
    assert.equal((await postSigned(h.ingressUrl, channel, body)).status, 200);
    const row = (await settledRowsOf(channel.channelId)).at(-1);
    assert.ok(row);
    const markFailed = () =>
      adminQuery("update ingress.webhook_events set status = 'failed', processed_at = null where id = $1", [
        row.id,
      ]);
    const statusNow = async () => (await rowsOf(channel.channelId)).find((r) => r.id === row.id)?.status;
    await markFailed();

    const requestId = randomUUID();
    const first = await replay(row.id, requestId);
    assert.equal(first.event?.status, WebhookEventStatus.ACCEPTED);
    assert.equal(await statusNow(), "accepted");

    // Failed again behind the API's back: a retry of the first call must not replay it.
    await markFailed();
    const retry = await replay(row.id, requestId);
    assert.deepEqual(retry, first, "the first answer, as it was");
    assert.equal(await statusNow(), "failed", "nothing replayed");

    const reused = await expectConnectError(
      replayer.replayWebhookEvent({
        workspaceId: channel.workspaceId,
        webhookEventId: randomUUID(),
        requestId,
      }),
      Code.InvalidArgument,
    );
    assert.equal(errorInfoOf(reused)?.reason, "REQUEST_ID_REUSED");

    // A new request id is a new replay.
    assert.equal((await replay(row.id, randomUUID())).event?.status, WebhookEventStatus.ACCEPTED);
    assert.equal(await statusNow(), "accepted");
  });
});
