import assert from "node:assert/strict";
import { type Bus, connectBus } from "@atendo/bus";
import { uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { fixtureFor, type Harness, postSigned, startHarness } from "./support/harness.js";
import { rowsOf } from "./support/rows.js";

describe("the queued-webhook sweeper (the table is the outbox)", function () {
  this.timeout(30_000);
  let h: Harness;
  // A second instance on its own namespace, whose stream the test removes to make publishing fail.
  let namespace: string;
  let ingress: RunningService;
  let bus: Bus;
  let events: EventCollector;

  before(async () => {
    h = await startHarness();
    namespace = uniqueNamespace("ingress");
    ingress = await start(
      // Attempts while the stream is missing come back within a second, and are far from the last.
      h.ingressConfig({
        busNamespace: namespace,
        sweepQueuedAfterMs: 300,
        sweepIntervalMs: 100,
        sweepRetryInitialMs: 200,
        sweepRetryMaxMs: 1000,
      }),
      {
        logger: h.logger,
      },
    );
    bus = await connectBus({ servers: h.env.natsUrl, name: "sweeper-test", logger: h.logger, namespace });
  });

  after(async () => {
    await events?.stop();
    await ingress?.stop();
    await bus?.deleteNamespaceStreams();
    await bus?.close();
    await h?.stop();
  });

  it("leaves a delivery queued when publishing fails, answers 200, and republishes it later", async () => {
    const channel = await h.createChannel();
    // No stream on the namespace: every publish of that instance fails.
    assert.ok((await bus.deleteNamespaceStreams()).includes(bus.streamFor("ingress")));

    const res = await postSigned(
      `http://127.0.0.1:${ingress.port}`,
      channel,
      fixtureFor(channel, "whatsapp/two-text-messages.json"),
    );
    assert.equal(res.status, 200, "stored, so Meta must not retry");
    const [queued] = await rowsOf(channel.channelId);
    assert.equal(queued?.status, "queued");
    assert.equal(queued?.processed_at, null);
    assert.equal(queued?.message_count, 2);

    // NATS is back: the sweeper publishes the row and accepts it.
    await bus.ensureStream({ domain: "ingress" });
    events = await collectIngressEvents(bus);
    const [accepted] = await waitFor(
      async () => {
        const rows = await rowsOf(channel.channelId);
        return rows[0]?.status === "accepted" ? rows : undefined;
      },
      { message: "the sweeper to accept the queued row" },
    );
    assert.equal(accepted?.id, queued?.id);
    assert.equal(accepted?.message_count, 2);
    assert.ok(accepted?.processed_at instanceof Date);
    await events.settle();
    const published = events.messages(channel.channelId);
    assert.equal(published.length, 2);
    assert.equal(published[0]?.event.webhookEventId, queued?.id);
    assert.equal(published[0]?.event.message?.content.case, "text");
    assert.equal(published[0]?.event.contact?.displayName, "Ana Souza");
  });
});
