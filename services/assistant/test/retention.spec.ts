import assert from "node:assert/strict";
import { newId, runMigrations } from "@atendo/db";
import { adminQuery, testEnv, waitFor } from "@atendo/testing";
import { migrations } from "../migrations/index.js";
import { type Stack, startStack } from "./support/stack.js";

describe("assistant: retention", () => {
  let stack: Stack;
  after(async () => {
    await stack?.stop();
  });

  it("deletes published outbox rows older than RETENTION_DAYS (30) once started, never failed ones", async () => {
    const env = testEnv();
    await runMigrations({
      ownerUrl: env.ownerUrl,
      schema: "assistant",
      appRole: "atendo_assistant",
      migrations,
    });
    const tenant = newId();
    await adminQuery(
      `insert into assistant.outbox (tenant_id, subject, msg_id, event_type, data, status, published_at, created_at)
       values ($1, 's', 'published-old', 't', '\\x00', 'published', now() - interval '31 days', now() - interval '31 days'),
              ($1, 's', 'published-new', 't', '\\x00', 'published', now() - interval '29 days', now() - interval '29 days'),
              ($1, 's', 'failed-old', 't', '\\x00', 'failed', null, now() - interval '40 days')`,
      [tenant],
    );
    stack = await startStack();
    const left = await waitFor(
      async () => {
        const rows = await adminQuery<{ msg_id: string }>(
          "select msg_id from assistant.outbox where tenant_id = $1 order by msg_id",
          [tenant],
        );
        return rows.length === 2 ? rows.map((r) => r.msg_id) : undefined;
      },
      { message: "the old published row to go" },
    );
    assert.deepEqual(left, ["failed-old", "published-new"]);
  });
});
