import assert from "node:assert/strict";
import {
  assertTenantTablesSecured,
  findTenantSecurityProblems,
  runMigrations,
  tenantRls,
} from "../src/index.js";
import { baseMigrations } from "./fixtures.js";
import { APP_ROLE, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

describe("findTenantSecurityProblems / assertTenantTablesSecured", () => {
  const schema = uniqueSchema("db_spec_check");

  before(async () => {
    await runMigrations({
      ownerUrl: OWNER_URL,
      schema,
      appRole: APP_ROLE,
      migrations: baseMigrations(schema),
    });
  });

  after(() => dropSchema(schema));

  it("finds nothing wrong in a schema migrated with tenantRls", async () => {
    assert.deepEqual(await findTenantSecurityProblems(OWNER_URL, schema, { appRole: APP_ROLE }), []);
  });

  it("reports tenant tables without RLS, with RLS not forced, or without a policy", async () => {
    await withClient(OWNER_URL, async (c) => {
      await c.query(`create table "${schema}".open_table (id int primary key, tenant_id uuid not null)`);
      await c.query(`create table "${schema}".unforced (id int primary key, tenant_id uuid not null)`);
      await c.query(`alter table "${schema}".unforced enable row level security`);
      await c.query(`create table "${schema}".no_policy (id int primary key, tenant_id uuid not null)`);
      await c.query(`alter table "${schema}".no_policy enable row level security`);
      await c.query(`alter table "${schema}".no_policy force row level security`);
      // A table without tenant_id is not a tenant table: no finding.
      await c.query(`create table "${schema}".lookup (code text primary key)`);
    });
    try {
      assert.deepEqual((await findTenantSecurityProblems(OWNER_URL, schema)).sort(), [
        `${schema}.no_policy: has no policy`,
        `${schema}.open_table: has no policy`,
        `${schema}.open_table: row level security is not enabled`,
        `${schema}.open_table: row level security is not forced`,
        `${schema}.unforced: has no policy`,
        `${schema}.unforced: row level security is not forced`,
      ]);
      await assert.rejects(
        assertTenantTablesSecured(OWNER_URL, schema),
        /open_table: row level security is not enabled/,
      );
    } finally {
      await withClient(OWNER_URL, (c) =>
        c.query(
          `drop table "${schema}".open_table, "${schema}".unforced, "${schema}".no_policy, "${schema}".lookup`,
        ),
      );
    }
  });

  it("stays satisfied once tenantRls secures such a table", async () => {
    await withClient(OWNER_URL, async (c) => {
      await c.query(`create table "${schema}".late (id int primary key, tenant_id uuid not null)`);
      for (const sql of tenantRls(`${schema}.late`)) await c.query(sql);
    });
    await assertTenantTablesSecured(OWNER_URL, schema, { appRole: APP_ROLE });
  });

  it("reports an app role that is superuser, bypasses RLS or owns the tables", async () => {
    const owner = await findTenantSecurityProblems(OWNER_URL, schema, { appRole: "atendo_owner" });
    assert.ok(owner.includes("role atendo_owner has BYPASSRLS"), owner.join("\n"));
    assert.ok(owner.includes(`role atendo_owner owns ${schema}`), owner.join("\n"));
    assert.ok(owner.includes(`role atendo_owner owns ${schema}.notes`), owner.join("\n"));
    const superuser = await withClient(OWNER_URL, async (c) => {
      const res = await c.query<{ name: string }>(
        "select rolname as name from pg_roles where rolsuper limit 1",
      );
      return res.rows[0]?.name;
    });
    assert.ok(superuser, "the server has a superuser");
    const admin = await findTenantSecurityProblems(OWNER_URL, schema, { appRole: superuser });
    assert.ok(admin.includes(`role ${superuser} is a superuser`), admin.join("\n"));
    const missing = await findTenantSecurityProblems(OWNER_URL, schema, { appRole: "atendo_nobody" });
    assert.deepEqual(missing, ["role atendo_nobody does not exist"]);
  });
});
