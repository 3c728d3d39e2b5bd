import assert from "node:assert/strict";
import { assertTenantTablesSecured, newId, roleFromUrl, runMigrations } from "@atendo/db";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { testEnv } from "@atendo/testing";
import pg from "pg";
import { migrations } from "../migrations/index.js";
import { theConversation } from "./support/db.js";
import { messageReceived, newCustomer } from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("tenant isolation of the conversation schema", () => {
  const env = testEnv();
  const appUrl = env.appUrl("conversation");
  let h: Harness;

  before(async () => {
    h = await startConversation();
  });
  after(async () => {
    await h?.stop();
  });

  it("puts every tenant table under forced RLS and gives the service role no way around it", async () => {
    await runMigrations({
      ownerUrl: env.ownerUrl,
      schema: "conversation",
      appRole: roleFromUrl(appUrl),
      migrations,
    });
    await assertTenantTablesSecured(env.ownerUrl, "conversation", { appRole: roleFromUrl(appUrl) });
  });

  it("shows the service role only the tenant of its transaction, and ids only across tenants", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId, (row) => row.flushed_epoch === 1);

    const client = new pg.Client({ connectionString: appUrl });
    await client.connect();
    try {
      const count = async (tenantId: string) => {
        await client.query("begin");
        await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
        const r = await client.query<{ n: string }>(
          `select (select count(*) from conversation.conversations where id = $1)
                + (select count(*) from conversation.messages where conversation_id = $1)
                + (select count(*) from conversation.contacts where id = $2) as n`,
          [conversation.id, conversation.contact_id],
        );
        await client.query("commit");
        return Number(r.rows[0]?.n);
      };
      assert.equal(await count(c.tenantId), 3);
      assert.equal(await count(newId()), 0, "another tenant sees nothing");
      const outside = await client.query("select count(*)::int as n from conversation.conversations");
      assert.equal(outside.rows[0]?.n, 0, "no tenant set: nothing");

      // The sweep's function answers across tenants, with ids only.
      const pending = await client.query(
        "select * from conversation.pending_turns(now() + interval '1 hour', now() - interval '1 day', 1000)",
      );
      assert.deepEqual(
        pending.fields.map((f) => f.name),
        ["tenant_id", "conversation_id"],
      );
    } finally {
      await client.end();
    }
  });
});
