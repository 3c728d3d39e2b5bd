import assert from "node:assert/strict";
import { newId, runMigrations } from "@atendo/db";
import { ChatRole, UsageOperation } from "@atendo/proto/ai/v1";
import { adminQuery, limitStreamMessageSize, testEnv, waitFor } from "@atendo/testing";
import { migrations } from "../migrations/index.js";
import { createAssistant, createWorkspace, type Workspace } from "./support/fixtures.js";
import { type Stack, startStack } from "./support/stack.js";

describe("ai: outbox and retention", () => {
  const tenant = newId();
  const oldEvent = `old-${newId()}`;
  const newEvent = `new-${newId()}`;
  let stack: Stack;
  let ws: Workspace;

  before(async () => {
    // Rows past and within retention, written before the service starts.
    const env = testEnv();
    await runMigrations({ ownerUrl: env.ownerUrl, schema: "ai", appRole: "atendo_ai", migrations });
    await adminQuery(
      `insert into ai.processed_events (tenant_id, consumer, event_id, processed_at)
       values ($1, 'ai-turn_ready', $2, now() - interval '31 days'), ($1, 'ai-turn_ready', $3, now() - interval '29 days')`,
      [tenant, oldEvent, newEvent],
    );
    await adminQuery(
      `insert into ai.outbox (tenant_id, subject, msg_id, event_type, data, status, published_at)
       values ($1, 's', $2, 't', '\\x00', 'published', now() - interval '31 days'),
              ($1, 's', $3, 't', '\\x00', 'published', now() - interval '29 days')`,
      [tenant, oldEvent, newEvent],
    );
    stack = await startStack();
    ws = await createWorkspace(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  it("deletes inbox rows and published outbox rows older than RETENTION_DAYS (30) once started", async () => {
    await waitFor(
      async () => {
        const inbox = await adminQuery<{ event_id: string }>(
          "select event_id from ai.processed_events where tenant_id = $1",
          [tenant],
        );
        const outbox = await adminQuery<{ msg_id: string }>(
          "select msg_id from ai.outbox where tenant_id = $1",
          [tenant],
        );
        return inbox.length === 1 && outbox.length === 1 ? { inbox, outbox } : undefined;
      },
      { message: "the old rows to go" },
    ).then(({ inbox, outbox }) => {
      assert.deepEqual(inbox, [{ event_id: newEvent }]);
      assert.deepEqual(outbox, [{ msg_id: newEvent }]);
    });
  });

  it("answers TestAssistant while the bus refuses UsageRecorded, and the event goes out once it takes it", async () => {
    const assistantId = await createAssistant(ws);
    const stream = stack.bus.streamFor("ai");
    await limitStreamMessageSize(stream, 16);
    try {
      const res = await ws.clients.ai.testAssistant({
        workspaceId: ws.workspaceId,
        assistantId,
        messages: [
          { role: ChatRole.CUSTOMER, message: { content: { case: "text", value: { body: "Oi" } } } },
        ],
      });
      assert.equal(res.parts.length, 1);
      // Recorded, and its announcement waits in the outbox after a refused publish.
      const [usage] = await adminQuery<{ operation: string }>(
        "select operation from ai.usage_records where assistant_id = $1",
        [assistantId],
      );
      assert.equal(usage?.operation, "test");
      await waitFor(
        async () =>
          (
            await adminQuery<{ attempts: number }>(
              `select attempts from ai.outbox where tenant_id = $1 and event_type = 'atendo.ai.v1.UsageRecorded'
                and status = 'pending'`,
              [ws.tenantId],
            )
          )[0]?.attempts,
        { message: "a refused publish of UsageRecorded" },
      );
    } finally {
      await limitStreamMessageSize(stream, -1);
    }
    const event = await stack.capture.until(
      () => stack.capture.usage.find((u) => u.assistantId === assistantId),
      "UsageRecorded",
    );
    assert.equal(event.operation, UsageOperation.TEST);
    await waitFor(
      async () =>
        (
          await adminQuery<{ status: string }>(
            "select status from ai.outbox where tenant_id = $1 and event_type = 'atendo.ai.v1.UsageRecorded'",
            [ws.tenantId],
          )
        )[0]?.status === "published",
      { message: "the row marked published" },
    );
    assert.equal(stack.capture.usage.filter((u) => u.assistantId === assistantId).length, 1);
  });
});
