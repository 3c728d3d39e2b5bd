import assert from "node:assert/strict";
import { type Bus, connectBus } from "@atendo/bus";
import { uniqueNamespace, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { textDelivery } from "./support/deliveries.js";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { type Harness, startHarness } from "./support/harness.js";
import { captureLogs, type LogLines } from "./support/log-lines.js";
import { insertRows, rowsOf } from "./support/rows.js";

const TWO_HOURS_MS = 2 * 3_600_000;

describe("held webhooks are reconciled periodically, whatever their age", function () {
  this.timeout(30_000);
  let h: Harness;
  let namespace: string;
  let ingress: RunningService;
  let bus: Bus;
  let events: EventCollector;
  let logs: LogLines;

  before(async () => {
    // The harness's instance never sweeps during this file: only the instance below does.
    h = await startHarness({ SWEEP_INTERVAL_MS: "3600000" });
    namespace = uniqueNamespace("ingress");
    logs = captureLogs("info");
    ingress = await start(
      h.ingressConfig({ busNamespace: namespace, sweepIntervalMs: 100, heldReconcileIntervalMs: 300 }),
      { logger: logs.logger },
    );
    bus = await connectBus({ servers: h.env.natsUrl, name: "held-test", logger: h.logger, namespace });
    events = await collectIngressEvents(bus);
  });

  after(async () => {
    await events?.stop();
    await ingress?.stop();
    await bus?.deleteNamespaceStreams();
    await bus?.close();
    await h?.stop();
  });

  const passes = () => logs.lines().filter((l) => l.msg === "held webhooks reconciled").length;

  it("releases a delivery held two hours ago once its hold is lifted, with no event reaching ingress", async () => {
    // Held while the channel was disabled; the channel was enabled long ago and the event that
    // said so never reached ingress (lost, or consumed by nobody): only the periodic pass can tell.
    const released = await h.createChannel();
    const { body, wamid } = textDelivery(released);
    const [id] = await insertRows(released, body, {
      status: "held",
      reason: "channel disabled",
      agoMs: TWO_HOURS_MS,
    });
    // A channel still disabled keeps its old held row.
    const disabled = await h.createChannel();
    await disabled.owner.clients.channels.disableChannel({
      workspaceId: disabled.workspaceId,
      channelId: disabled.channelId,
      reason: "paused",
    });
    await insertRows(disabled, textDelivery(disabled).body, {
      status: "held",
      reason: "channel disabled",
      agoMs: TWO_HOURS_MS,
    });

    const [row] = await waitFor(
      async () => {
        const rows = await rowsOf(released.channelId);
        return rows[0]?.status === "accepted" ? rows : undefined;
      },
      { message: "the periodic pass to release the old held row" },
    );
    assert.equal(row?.id, id);
    assert.equal(row?.message_count, 1);
    await events.settle();
    assert.deepEqual(
      events.messages(released.channelId).map((m) => m.msgId),
      [wamid],
    );

    // A whole pass that started after the release went over the disabled channel too.
    const seen = passes();
    await waitFor(() => passes() >= seen + 2, { message: "two more reconcile passes" });
    assert.deepEqual(
      (await rowsOf(disabled.channelId)).map((r) => r.status),
      ["held"],
    );
    await events.settle();
    assert.equal(events.messages(disabled.channelId).length, 0);
  });
});
