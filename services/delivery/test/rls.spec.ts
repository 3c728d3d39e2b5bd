import assert from "node:assert/strict";
import { assertTenantTablesSecured, roleFromUrl, runMigrations } from "@atendo/db";
import { adminQuery, testEnv } from "@atendo/testing";
import { migrations } from "../migrations/index.js";

describe("delivery schema security", () => {
  const env = testEnv();
  const appRole = roleFromUrl(env.appUrl("delivery"));

  before(async () => {
    await runMigrations({ ownerUrl: env.ownerUrl, schema: "delivery", appRole, migrations });
  });

  it("puts every tenant table under forced row-level security for a role that owns nothing", async () => {
    await assertTenantTablesSecured(env.adminUrl, "delivery", { appRole });
  });

  it("finds held deliveries across tenants only through an owner-defined, pinned function of ids", async () => {
    const [fn] = await adminQuery<{
      definer: boolean;
      config: string[];
      owner: string;
      result: string;
      app: boolean;
      other: boolean;
    }>(
      `select p.prosecdef as definer, p.proconfig as config, pg_get_userbyid(p.proowner) as owner,
              pg_get_function_result(p.oid) as result,
              has_schema_privilege($1, 'delivery', 'usage') as app,
              has_schema_privilege('atendo_ingress', 'delivery', 'usage') as other
         from pg_proc p
        where p.oid = 'delivery.tenants_with_held_deliveries(uuid, integer)'::regprocedure`,
      [appRole],
    );
    assert.deepEqual(fn, {
      definer: true,
      config: ["search_path=pg_catalog, pg_temp"],
      owner: "atendo_owner",
      result: "TABLE(tenant_id uuid)",
      app: true,
      other: false,
    });
  });
});
