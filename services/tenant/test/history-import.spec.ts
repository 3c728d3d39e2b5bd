import assert from "node:assert/strict";
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { HistorySyncState } from "@atendo/proto/common/v1";
import { type HistorySyncProgressed, HistorySyncProgressedSchema } from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { instagramConfig, tenantWithWorkspace, whatsappConfig } from "./support/fixtures.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("history import progress on the channel (WhatsApp coexistence)", () => {
  let h: TenantHarness;
  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  async function whatsappChannel() {
    const { tenantId, workspaceId } = await tenantWithWorkspace(h);
    const { channel } = await h.channels.createChannel({
      workspaceId,
      name: "Shop phone",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    assert.ok(channel);
    return { tenantId, workspaceId, channelId: channel.id };
  }

  function chunk(
    ch: { tenantId: string; workspaceId: string; channelId: string },
    init: Partial<
      Pick<
        HistorySyncProgressed,
        "phase" | "chunkOrder" | "progress" | "messageCount" | "state" | "errorCode" | "errorMessage"
      >
    >,
  ): HistorySyncProgressed {
    return create(HistorySyncProgressedSchema, {
      meta: newEventMeta({ tenantId: ch.tenantId, workspaceId: ch.workspaceId, correlationId: newId() }),
      webhookEventId: newId(),
      channelId: ch.channelId,
      state: HistorySyncState.IN_PROGRESS,
      receivedAt: timestampFromDate(new Date()),
      ...init,
    });
  }

  const handled = (event: HistorySyncProgressed, count = 1) =>
    waitFor(
      () =>
        h.logs.filter(
          (l) => l.includes(event.meta?.eventId ?? "?") && l.includes("history import progress handled"),
        ).length >= count,
      { message: `handling of ${event.meta?.eventId}` },
    );

  it("counts chunks once, moves each phase's progress only forward, and completes when every phase is done", async () => {
    const ch = await whatsappChannel();
    const before = await h.channels.getChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId });
    assert.equal(before.channel?.historyImport, undefined, "no import before the first chunk");

    // Out of order: phase 0's last chunk, then its first; a redelivered chunk under another event id.
    const late = chunk(ch, { phase: 0, chunkOrder: 2, progress: 100, messageCount: 40 });
    const early = chunk(ch, { phase: 0, chunkOrder: 1, progress: 55, messageCount: 60 });
    const again = chunk(ch, { phase: 0, chunkOrder: 2, progress: 100, messageCount: 40 });
    for (const e of [late, early, again]) {
      await h.bus.publish(HistorySyncProgressedSchema, e);
      await handled(e);
    }
    await h.bus.publish(HistorySyncProgressedSchema, late, { msgId: `${late.meta?.eventId}-again` });
    await handled(late, 2);
    let got = (await h.channels.getChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId })).channel;
    assert.equal(got?.historyImport?.state, HistorySyncState.IN_PROGRESS);
    assert.deepEqual(
      got?.historyImport?.phaseProgress,
      [100, 0, 0],
      "55 arrived late and moved nothing back",
    );
    assert.equal(got?.historyImport?.chunks, 2);
    assert.equal(got?.historyImport?.messages, 100);

    for (const e of [
      chunk(ch, { phase: 2, chunkOrder: 1, progress: 100, messageCount: 5 }),
      chunk(ch, { phase: 1, chunkOrder: 1, progress: 100, messageCount: 300 }),
    ]) {
      await h.bus.publish(HistorySyncProgressedSchema, e);
      await handled(e);
    }
    const { channels } = await h.channels.listChannels({ workspaceId: ch.workspaceId });
    got = channels.find((c) => c.id === ch.channelId);
    assert.equal(got?.historyImport?.state, HistorySyncState.COMPLETED);
    assert.deepEqual(got?.historyImport?.phaseProgress, [100, 100, 100]);
    assert.equal(got?.historyImport?.messages, 405);
    assert.ok(got?.historyImport?.updatedAt);
  });

  it("shows a declined import with Meta's error", async () => {
    const ch = await whatsappChannel();
    const declined = chunk(ch, {
      state: HistorySyncState.DECLINED,
      errorCode: 2593109,
      errorMessage: "The business declined sharing its history",
    });
    await h.bus.publish(HistorySyncProgressedSchema, declined);
    await handled(declined);
    const got = (await h.channels.getChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId }))
      .channel;
    assert.equal(got?.historyImport?.state, HistorySyncState.DECLINED);
    assert.equal(got?.historyImport?.errorCode, 2593109);
    assert.equal(got?.historyImport?.errorMessage, "The business declined sharing its history");
  });

  it("refuses progress for another tenant's channel or a channel that is not WhatsApp", async () => {
    const ch = await whatsappChannel();
    const other = await tenantWithWorkspace(h);
    const foreign = chunk(
      { ...ch, tenantId: other.tenantId, workspaceId: other.workspaceId },
      { progress: 100 },
    );
    await h.bus.publish(HistorySyncProgressedSchema, foreign);
    await waitFor(() =>
      h.logs.some(
        (l) =>
          l.includes(foreign.meta?.eventId ?? "?") && l.includes("channel_id names no channel of the tenant"),
      ),
    );
    const got = (await h.channels.getChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId }))
      .channel;
    assert.equal(got?.historyImport, undefined, "the channel's own tenant saw nothing");

    const { channel: ig } = await h.channels.createChannel({
      workspaceId: ch.workspaceId,
      name: "Insta",
      config: { case: "instagram", value: instagramConfig() },
    });
    assert.ok(ig);
    const wrong = chunk({ ...ch, channelId: ig.id }, { progress: 100 });
    await h.bus.publish(HistorySyncProgressedSchema, wrong);
    await waitFor(() =>
      h.logs.some((l) => l.includes(wrong.meta?.eventId ?? "?") && l.includes("not WhatsApp")),
    );
    const igView = (await h.channels.getChannel({ workspaceId: ch.workspaceId, channelId: ig.id })).channel;
    assert.equal(igView?.historyImport, undefined);
  });
});
