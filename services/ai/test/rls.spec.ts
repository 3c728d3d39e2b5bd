import assert from "node:assert/strict";
import { assertTenantTablesSecured, runMigrations } from "@atendo/db";
import { adminQuery, testEnv } from "@atendo/testing";
import { migrations } from "../migrations/index.js";

describe("ai schema security", () => {
  it("puts every tenant table under forced row-level security for a role that owns nothing", async () => {
    const env = testEnv();
    await runMigrations({ ownerUrl: env.ownerUrl, schema: "ai", appRole: "atendo_ai", migrations });
    await assertTenantTablesSecured(env.ownerUrl, "ai", { appRole: "atendo_ai" });
    // The check above passes vacuously on an empty schema: name the tables it covered.
    const secured = await adminQuery<{ relname: string }>(
      `select c.relname from pg_class c
        where c.relnamespace = 'ai'::regnamespace and c.relkind = 'r'
          and c.relrowsecurity and c.relforcerowsecurity order by 1`,
    );
    assert.deepEqual(
      secured.map((r) => r.relname),
      ["outbox", "processed_events", "request_ids", "usage_records"],
    );
  });
});
