import assert from "node:assert/strict";
import { HistorySyncState } from "@atendo/proto/common/v1";
import {
  ContactSyncAction,
  ContactSyncReceivedSchema,
  HistorySyncProgressedSchema,
  MessageChangeKind,
  MessageChangeReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { collectIngressEvents, type EventCollector } from "./support/event-collector.js";
import { fixtureFor, type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { settledRowsOf, type WebhookRow } from "./support/rows.js";

// WhatsApp coexistence and "every delivery accounted for" through the real ingress: each fixture is
// posted three times in a row and three times at once (Meta retries, several subscribed apps), and
// must give 200 every time, rows with the right status and reason, and its events once on the bus.

const ECHO_WAMID = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjNBRUNIT1RFWFQwMDAwMDAwMQA=";
const PLACEHOLDER_WAMID = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkhJU1QwQU5BMDAwMDAwMDAyAA==";

describe("WhatsApp coexistence through ingress (real tenant service, Postgres and NATS)", function () {
  this.timeout(60_000);
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

  /** Posts each fixture 3 times in a row then 3 times at once; every answer must be 200. */
  async function postRepeatedly(channel: TestChannel, ...fixtures: string[]): Promise<WebhookRow[]> {
    for (const name of fixtures) {
      const body = fixtureFor(channel, `whatsapp/${name}`);
      for (let i = 0; i < 3; i++) {
        const res = await postSigned(h.ingressUrl, channel, body);
        assert.equal(res.status, 200, `${name}: ${await res.text()}`);
      }
      const concurrent = await Promise.all(
        Array.from({ length: 3 }, () => postSigned(h.ingressUrl, channel, body)),
      );
      for (const res of concurrent) assert.equal(res.status, 200, `${name}: ${await res.text()}`);
    }
    const rows = await settledRowsOf(channel.channelId);
    assert.equal(rows.length, fixtures.length * 6, "every delivery is stored");
    await events.settle();
    return rows;
  }

  /** Every msgID published once, and nothing else. */
  function assertOnce(collected: Array<{ msgId: string }>, expected: string[]): void {
    assert.deepEqual(collected.map((c) => c.msgId).sort(), [...expected].sort());
  }

  it("an echo: a MessageReceived with is_echo for the customer, once", async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "smb-message-echo.json");
    for (const row of rows) {
      assert.equal(row.status, "accepted");
      assert.equal(row.reason, "");
      assert.equal(row.message_count, 1);
    }
    const messages = events.messages(channel.channelId);
    assertOnce(messages, [ECHO_WAMID]);
    assert.equal(messages[0]?.event.isEcho, true);
    assert.equal(messages[0]?.event.contact?.externalId, "5511987654321");
  });

  it("edits, revokes and an echo of an edit: MessageChangeReceived, once each", async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "edit.json", "revoke.json", "smb-echo-edit.json");
    for (const row of rows) {
      assert.equal(row.status, "accepted", row.reason);
      assert.equal(row.reason, "");
    }
    assert.equal(events.messages(channel.channelId).length, 0, "a change is not a new message");
    const changes = events.of(MessageChangeReceivedSchema, channel.channelId);
    assertOnce(changes, [
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDFBQUFBQUFBQUFBQUFBQUEA:edit:wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkVESVQwMDAwMDAwMDAwMDEA",
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDJCQkJCQkJCQkJCQkJCQkIA:deleted",
      `${ECHO_WAMID}:edit:wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEkVDSE9FRElUMDAwMDAwMDEA`,
    ]);
    const kinds = changes.map((c) => [c.event.kind, c.event.isEcho]).sort();
    assert.deepEqual(
      kinds,
      [
        [MessageChangeKind.EDITED, false],
        [MessageChangeKind.EDITED, true],
        [MessageChangeKind.DELETED, false],
      ].sort(),
    );
  });

  it("the app's address book: a ContactSyncReceived per entry, once", async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "smb-app-state-sync.json");
    for (const row of rows) assert.equal(row.status, "accepted", row.reason);
    const syncs = events.of(ContactSyncReceivedSchema, channel.channelId);
    assertOnce(syncs, [
      "5511987654321:add:1767230000",
      "5511987654321:add:1767230060",
      "14155550123:remove:1767230120",
    ]);
    assert.deepEqual(
      syncs.map((s) => s.event.action).sort(),
      [ContactSyncAction.ADD, ContactSyncAction.ADD, ContactSyncAction.REMOVE].sort(),
    );
    assert.equal(events.messages(channel.channelId).length, 0);
  });

  it("a history import in two phases, chunks out of order, then complete: history messages and progress, once", async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(
      channel,
      "history-phase1-chunk2.json",
      "history-phase0-chunk1.json",
      "history-phase1-chunk1.json",
      "history-phase2-chunk1.json",
      "history-media.json",
    );
    for (const row of rows) assert.equal(row.status, "accepted", row.reason);
    const messages = events.messages(channel.channelId);
    assert.equal(messages.length, 9, "8 thread messages and the placeholder's media");
    assert.ok(messages.every((m) => m.event.history && !m.event.stale));
    assert.equal(new Set(messages.map((m) => m.msgId)).size, messages.length, "each once");
    assert.ok(messages.some((m) => m.msgId === `${PLACEHOLDER_WAMID}:placeholder`));
    const media = messages.find((m) => m.msgId === PLACEHOLDER_WAMID);
    assert.equal(media?.event.message?.content.case, "media", "the media is not dropped as a duplicate");
    assert.equal(messages.filter((m) => m.event.isEcho).length, 3, "the business's replies");
    const progress = events.of(HistorySyncProgressedSchema, channel.channelId);
    assertOnce(progress, ["history:0:1", "history:1:1", "history:1:2", "history:2:1"]);
    const completed = progress.filter((p) => p.event.state === HistorySyncState.COMPLETED);
    assert.deepEqual(
      completed.map((p) => p.msgId),
      ["history:2:1"],
    );
  });

  it("a declined history import: one DECLINED progress, no message", async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "history-declined.json");
    for (const row of rows) assert.equal(row.status, "accepted", row.reason);
    const progress = events.of(HistorySyncProgressedSchema, channel.channelId);
    assertOnce(progress, ["history:error:2593109"]);
    assert.equal(progress[0]?.event.state, HistorySyncState.DECLINED);
    assert.equal(events.messages(channel.channelId).length, 0);
  });

  it('"from": null: 200, the row accepted with the reason, and no MessageReceived to dead-letter downstream', async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "broken-from-null.json");
    for (const row of rows) {
      assert.equal(row.status, "accepted");
      assert.equal(row.message_count, 0);
      assert.equal(
        row.reason,
        "message wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVUxMMDAwMDAwMDEA not published: from is null",
      );
    }
    assert.equal(events.messages(channel.channelId).length, 0);
  });

  it('"from" as a number: the rest of the delivery is published, the row names the broken message', async () => {
    const channel = await h.createChannel();
    const rows = await postRepeatedly(channel, "broken-from-number.json", "broken-missing-id.json");
    for (const row of rows) assert.equal(row.status, "accepted");
    const reasons = new Set(rows.map((r) => r.reason));
    assert.deepEqual([...reasons].sort(), [
      "message at messages[0] not published: without id; status of wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ0QUFBQUFBQUFBQUFBQUFBAA== not published: without recipient_id",
      "message wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVU1CRVIwMDAwMDEA not published: from is a number, not a string",
    ]);
    assertOnce(events.messages(channel.channelId), [
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkZST01OVU1CRVIwMDAwMDIA",
    ]);
    assert.equal(events.statuses(channel.channelId).length, 0);
  });

  describe("deliveries that are not ours (stored IGNORED by the receiver)", () => {
    it("the dashboard's sample and another number: 200, rows IGNORED with the reason, nothing published", async () => {
      const channel = await h.createChannel();
      const rows = await postRepeatedly(channel, "dashboard-sample.json", "another-number.json");
      const reasons = new Set(rows.map((r) => `${r.status}: ${r.reason}`));
      assert.equal(events.messages(channel.channelId).length, 0);
      assert.deepEqual(
        [...reasons].map((r) => r.split(";")[0]).sort(),
        [
          `ignored: addressed to phone_number_id "109876543210002", not this channel's "${channel.phoneNumberId}"`,
          "ignored: Meta dashboard sample",
        ].sort(),
      );
    });
  });
});
