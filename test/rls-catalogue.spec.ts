// The catalogue check over the whole database, not one schema at a time: every table of every
// service that holds tenant data has row-level security enabled and forced with a policy, no service
// role is a superuser, bypasses RLS or owns anything, and no service role can even reach another
// service's schema.
import assert from "node:assert/strict";
import { findTenantSecurityProblems } from "@atendo/db";
import { adminQuery, testEnv } from "@atendo/testing";
import { migrateServices } from "../scripts/lib/migrate-services.js";
import { SERVICES, stackConfig } from "../scripts/lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

describe("row-level security across every service schema", function () {
  this.timeout(120_000);
  const env = testEnv();

  before(async () => {
    await migrateServices({ root, stack: stackConfig(root), database: env.database });
  });

  it("seals every tenant table of every schema and every service role", async () => {
    const problems: string[] = [];
    for (const service of SERVICES) {
      problems.push(
        ...(await findTenantSecurityProblems(env.adminUrl, service, { appRole: `atendo_${service}` })),
      );
    }
    assert.deepEqual(problems, []);
  });

  it("finds tenant tables in every schema (the check is looking at something)", async () => {
    const rows = await adminQuery<{ schema: string; n: string }>(
      `select n.nspname as schema, count(*) as n
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any($1)
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
        group by n.nspname`,
      [SERVICES],
    );
    const bySchema = new Map(rows.map((r) => [r.schema, Number(r.n)]));
    for (const service of SERVICES)
      assert.ok((bySchema.get(service) ?? 0) > 0, `${service} has tenant tables`);
  });

  it("keeps each service role out of the other services' schemas", async () => {
    const leaks = await adminQuery<{ role: string; schema: string }>(
      `select r.rolname as role, n.nspname as schema
         from pg_roles r cross join pg_namespace n
        where r.rolname = any($1) and n.nspname = any($2)
          and n.nspname <> substring(r.rolname from 8)
          and has_schema_privilege(r.oid, n.oid, 'USAGE')`,
      [SERVICES.map((s) => `atendo_${s}`), SERVICES],
    );
    assert.deepEqual(leaks, []);
  });

  it("gives no service role superuser, BYPASSRLS, CREATEROLE or CREATEDB", async () => {
    const roles = await adminQuery<{ rolname: string }>(
      `select rolname from pg_roles
        where rolname = any($1) and (rolsuper or rolbypassrls or rolcreaterole or rolcreatedb)`,
      [SERVICES.map((s) => `atendo_${s}`)],
    );
    assert.deepEqual(roles, []);
  });
});
