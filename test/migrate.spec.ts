import assert from "node:assert/strict";
import { adminQuery, testEnv } from "@atendo/testing";
import { loadMigrations, migrateServices } from "../scripts/lib/migrate-services.js";
import { SERVICES, stackConfig } from "../scripts/lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

describe("npm run migrate", function () {
  this.timeout(120_000);

  it("loads every service's ordered migration list", async () => {
    for (const service of SERVICES) {
      const list = await loadMigrations(root, service);
      assert.ok(list && list.length > 0, `${service} has migrations`);
    }
  });

  it("brings every schema up to date, then finds nothing left to apply", async () => {
    const database = testEnv().database;
    await migrateServices({ root, stack: stackConfig(root), database });
    const again = await migrateServices({ root, stack: stackConfig(root), database });
    assert.deepEqual(
      again.map((r) => [r.service, r.found, r.applied]),
      SERVICES.map((s) => [s, true, []]),
    );
    for (const service of SERVICES) {
      const rows = await adminQuery<{ name: string }>(`select name from ${service}.mikro_orm_migrations`);
      const expected = (await loadMigrations(root, service))?.map((m) => m.name) ?? [];
      assert.deepEqual(rows.map((r) => r.name).sort(), [...expected].sort(), `${service} ledger`);
    }
  });
});
