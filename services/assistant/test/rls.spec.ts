import assert from "node:assert/strict";
import { assertTenantTablesSecured, runMigrations } from "@atendo/db";
import { adminQuery, testEnv } from "@atendo/testing";
import { migrations } from "../migrations/index.js";

describe("assistant schema security", () => {
  it("puts every tenant table under forced row-level security for a role that owns nothing", async () => {
    const env = testEnv();
    await runMigrations({
      ownerUrl: env.ownerUrl,
      schema: "assistant",
      appRole: "atendo_assistant",
      migrations,
    });
    await assertTenantTablesSecured(env.ownerUrl, "assistant", { appRole: "atendo_assistant" });
    // The check above passes vacuously on an empty schema: name the tables it covered.
    const secured = await adminQuery<{ relname: string }>(
      `select c.relname from pg_class c
        where c.relnamespace = 'assistant'::regnamespace and c.relkind = 'r'
          and c.relrowsecurity and c.relforcerowsecurity order by 1`,
    );
    assert.deepEqual(
      secured.map((r) => r.relname),
      ["assistants", "channel_bindings", "outbox", "request_ids"],
    );
  });
});
