import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { OUTBOUND_CREATED_DURABLE } from "../src/consumers/outbound-created.js";
import { type Harness, startHarness } from "./support/harness.js";

const DAY_MS = 24 * 3_600_000;

describe("retention", function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(() => h?.stop());

  async function sent(): Promise<{ messageId: string; eventId: string }> {
    const ch = await h.newChannel();
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    return { messageId: event.messageId, eventId: event.meta?.eventId ?? "" };
  }

  const inboxRows = async (eventId: string) => (await h.processed(OUTBOUND_CREATED_DURABLE, eventId)).length;
  const count = async (table: string, messageId: string) => {
    const [row] = await adminQuery<{ n: number }>(
      `select count(*)::int as n from delivery.${table} where message_id = $1`,
      [messageId],
    );
    return row?.n ?? 0;
  };

  it("prunes inbox rows past RETENTION_DAYS and keeps deliveries and attempts (business history)", async () => {
    const old = await sent();
    const recent = await sent();
    // The old message was handled 31 days ago: its inbox row, delivery and attempt are all that old.
    const longAgo = new Date(Date.now() - 31 * DAY_MS);
    await adminQuery("update delivery.processed_events set processed_at = $2 where event_id = $1", [
      old.eventId,
      longAgo,
    ]);
    await adminQuery(
      "update delivery.deliveries set created_at = $2, updated_at = $2 where message_id = $1",
      [old.messageId, longAgo],
    );
    await adminQuery("update delivery.attempts set started_at = $2 where message_id = $1", [
      old.messageId,
      longAgo,
    ]);
    assert.equal(await inboxRows(old.eventId), 1);

    // A replica that starts runs the job at once (then every RETENTION_INTERVAL_MS).
    await h.startReplica({ retention: { maxAgeMs: 30 * DAY_MS, intervalMs: 3_600_000 } });
    await waitFor(async () => (await inboxRows(old.eventId)) === 0, {
      message: "the 31-day-old inbox row to be pruned",
    });
    assert.equal(await inboxRows(recent.eventId), 1, "a recent inbox row stays");
    assert.equal(await count("deliveries", old.messageId), 1, "the delivery stays");
    assert.equal(await count("attempts", old.messageId), 1, "its attempt stays");
  });
});
