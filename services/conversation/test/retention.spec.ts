import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { adminQuery, waitFor } from "@atendo/testing";
import { type Harness, startConversation } from "./support/harness.js";

describe("conversation: retention", () => {
  let h: Harness;
  after(async () => {
    await h?.stop();
  });

  it("deletes inbox rows and conversations never written in older than RETENTION_DAYS (30) every RETENTION_INTERVAL_MS, and keeps messages", async () => {
    h = await startConversation({ RETENTION_INTERVAL_MS: "1000" });
    const tenant = newId();
    const [oldEvent, newEvent] = [`old-${newId()}`, `new-${newId()}`];
    await adminQuery(
      `insert into conversation.processed_events (tenant_id, consumer, event_id, processed_at)
       values ($1, 'conversation-message_received', $2, now() - interval '31 days'),
              ($1, 'conversation-message_received', $3, now() - interval '29 days')`,
      [tenant, oldEvent, newEvent],
    );
    // A conversation of last year: business history, never pruned.
    const [contact, conversation] = [newId(), newId()];
    await adminQuery(
      `insert into conversation.contacts (id, tenant_id, workspace_id, channel_id, channel_type, external_id, created_at)
       values ($1, $2, $2, $2, 'WEB', 'visitor', now() - interval '400 days')`,
      [contact, tenant],
    );
    await adminQuery(
      `insert into conversation.conversations (id, tenant_id, workspace_id, channel_id, channel_type, contact_id,
         status, handler, last_message_at, created_at)
       values ($1, $2, $2, $2, 'WEB', $3, 'RESOLVED', 'AI', now() - interval '400 days', now() - interval '400 days')`,
      [conversation, tenant, contact],
    );
    await adminQuery(
      `insert into conversation.messages (id, tenant_id, conversation_id, channel_id, direction, sender_kind, content,
         text, sort_at, created_at)
       values ($1, $2, $3, $2, 'INBOUND', 'CONTACT', '\\x', 'Olá', now() - interval '400 days', now() - interval '400 days')`,
      [newId(), tenant, conversation],
    );

    // Opened ahead of a first message (OpenConversation) that never came: dropped after the same
    // retention; a recent one stays.
    const [emptyOld, emptyRecent] = [newId(), newId()];
    await adminQuery(
      `insert into conversation.conversations (id, tenant_id, workspace_id, channel_id, channel_type, contact_id,
         status, handler, last_message_at, created_at)
       values ($1, $3, $3, $5, 'WEB', $4, 'OPEN', 'AI', now() - interval '31 days', now() - interval '31 days'),
              ($2, $3, $3, $6, 'WEB', $4, 'OPEN', 'AI', now() - interval '29 days', now() - interval '29 days')`,
      // One open conversation per contact and channel: two channels.
      [emptyOld, emptyRecent, tenant, contact, newId(), newId()],
    );
    await waitFor(
      async () =>
        (await adminQuery("select 1 from conversation.conversations where id = $1", [emptyOld])).length === 0,
      { message: "the old conversation without messages to go" },
    );
    assert.equal(
      (await adminQuery("select 1 from conversation.conversations where id = $1", [emptyRecent])).length,
      1,
    );
    await adminQuery("delete from conversation.conversations where id = $1", [emptyRecent]);

    // Changes kept for a message that never came: dropped after the same retention.
    const channel = newId();
    await adminQuery(
      `insert into conversation.early_changes (id, tenant_id, channel_id, target_external_id, change_key, event,
         occurred_at, created_at)
       values ($1, $3, $4, 'wamid.gone', 'deleted', '\\x', now(), now() - interval '31 days'),
              ($2, $3, $4, 'wamid.recent', 'deleted', '\\x', now(), now() - interval '1 day')`,
      [newId(), newId(), tenant, channel],
    );
    await waitFor(
      async () => {
        const rows = await adminQuery<{ target_external_id: string }>(
          "select target_external_id from conversation.early_changes where channel_id = $1",
          [channel],
        );
        return rows.length === 1 && rows[0]?.target_external_id === "wamid.recent";
      },
      { message: "the old early change to go" },
    );

    const left = await waitFor(
      async () => {
        const rows = await adminQuery<{ event_id: string }>(
          "select event_id from conversation.processed_events where tenant_id = $1",
          [tenant],
        );
        return rows.length === 1 ? rows.map((r) => r.event_id) : undefined;
      },
      { message: "the old inbox row to go" },
    );
    assert.deepEqual(left, [newEvent]);
    const kept = await adminQuery<{ n: number }>(
      `select (select count(*) from conversation.messages where tenant_id = $1)::int
            + (select count(*) from conversation.conversations where tenant_id = $1)::int
            + (select count(*) from conversation.contacts where tenant_id = $1)::int as n`,
      [tenant],
    );
    assert.equal(kept[0]?.n, 3, "the message, its conversation and contact stay");
  });
});
