import assert from "node:assert/strict";
import pg from "pg";
import { adminQuery, testEnv, waitFor } from "../src/index.js";

async function currentUser(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ current_user: string }>("select current_user");
    return rows[0]?.current_user ?? "";
  } finally {
    await client.end();
  }
}

describe("testEnv", () => {
  it("falls back to the local stack's defaults", () => {
    const env = testEnv({});
    assert.equal(env.host, "127.0.0.1");
    assert.equal(env.port, 55432);
    assert.equal(env.database, "atendo_test");
    assert.equal(env.ownerUrl, "postgres://atendo_owner:atendo_owner@127.0.0.1:55432/atendo_test");
    assert.equal(env.adminUrl, "postgres://atendo_admin:atendo_admin@127.0.0.1:55432/atendo_test");
    assert.equal(
      env.appUrl("ingress"),
      "postgres://atendo_ingress:atendo_ingress@127.0.0.1:55432/atendo_test",
    );
    assert.equal(env.redisUrl, "redis://127.0.0.1:56379");
    assert.equal(env.natsUrl, "nats://127.0.0.1:54222");
  });

  it("reads the ATENDO_TEST_* variables", () => {
    const env = testEnv({
      ATENDO_TEST_PG_HOST: "db.local",
      ATENDO_TEST_PG_PORT: "6543",
      ATENDO_TEST_DATABASE: "other_db",
      ATENDO_TEST_REDIS_URL: "redis://cache:6379",
      ATENDO_TEST_NATS_URL: "nats://bus:4222",
    });
    assert.equal(env.appUrl("delivery"), "postgres://atendo_delivery:atendo_delivery@db.local:6543/other_db");
    assert.equal(env.ownerUrl, "postgres://atendo_owner:atendo_owner@db.local:6543/other_db");
    assert.equal(env.redisUrl, "redis://cache:6379");
    assert.equal(env.natsUrl, "nats://bus:4222");
  });

  it("rejects a bad port and a bad service name with clear errors", () => {
    assert.throws(
      () => testEnv({ ATENDO_TEST_PG_PORT: "abc" }),
      /ATENDO_TEST_PG_PORT must be a port number.*"abc"/,
    );
    assert.throws(() => testEnv({}).appUrl("Ingress; drop"), /service name must be lowercase/);
  });

  it("gives URLs that log in to the running Postgres as the intended roles", async () => {
    const env = testEnv();
    assert.equal(await currentUser(env.ownerUrl), "atendo_owner");
    assert.equal(await currentUser(env.appUrl("conversation")), "atendo_conversation");
    assert.equal(await currentUser(env.adminUrl), "atendo_admin");
  });
});

describe("adminQuery", () => {
  it("runs a parameterised statement as the superuser and returns the rows", async () => {
    const rows = await adminQuery<{ who: string; echo: string; superuser: boolean }>(
      "select current_user as who, $1::text as echo, rolsuper as superuser from pg_roles where rolname = current_user",
      ["hello"],
    );
    assert.deepEqual(rows, [{ who: "atendo_admin", echo: "hello", superuser: true }]);
  });

  it("closes its connection even when the statement fails", async () => {
    const marker = `admin-query-${process.pid}-${Date.now()}`;
    await assert.rejects(adminQuery(`select 1 from no_such_table /* ${marker} */`), /no_such_table/);
    // The backend exits just after the client disconnects: poll until its row is gone.
    await waitFor(
      async () => {
        const open = await adminQuery<{ n: string }>(
          "select count(*) as n from pg_stat_activity where query like $1 and pid <> pg_backend_pid()",
          [`%${marker}%`],
        );
        return open[0]?.n === "0";
      },
      { timeoutMs: 5_000, message: "the failed query's connection to close" },
    );
  });
});
