import assert from "node:assert/strict";
import { Migration } from "@mikro-orm/migrations";
import { createDb, MIGRATIONS_TABLE, newId, runMigrations } from "../src/index.js";
import { baseMigrations, ENTITIES, withTagsMigration } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

describe("runMigrations", () => {
  const schema = uniqueSchema("db_spec_mig");
  const migrate = (migrations = baseMigrations(schema)) =>
    runMigrations({ ownerUrl: OWNER_URL, schema, appRole: APP_ROLE, migrations });
  const ledger = () =>
    withClient(OWNER_URL, async (c) => {
      const res = await c.query<{ name: string }>(
        `select name from "${schema}".${MIGRATIONS_TABLE} order by id`,
      );
      return res.rows.map((r) => r.name);
    });

  after(() => dropSchema(schema));

  it("creates the schema and applies each migration once when two replicas run at the same time", async () => {
    const names = baseMigrations(schema).map((m) => m.name);
    const [a, b] = await Promise.all([migrate(), migrate()]);
    // One replica applied everything, the other waited on the lock and found nothing pending.
    assert.deepEqual([...a.applied, ...b.applied], names);
    assert.deepEqual(await ledger(), names);
  });

  it("applies nothing when run again", async () => {
    assert.deepEqual(await migrate(), { applied: [] });
    assert.equal((await ledger()).length, 2);
  });

  it("gives the schema and its tables to the owner and only DML to the app role", async () => {
    await withClient(OWNER_URL, async (c) => {
      const q = async (sql: string, params: unknown[]) =>
        (await c.query<{ v: unknown }>(sql, params)).rows[0]?.v;
      const notes = `"${schema}".notes`;
      const ledgerTable = `"${schema}".${MIGRATIONS_TABLE}`;
      assert.equal(
        await q("select nspowner::regrole::text as v from pg_namespace where nspname = $1", [schema]),
        "atendo_owner",
      );
      assert.equal(await q("select has_schema_privilege($1, $2, 'USAGE') as v", [APP_ROLE, schema]), true);
      assert.equal(await q("select has_schema_privilege($1, $2, 'CREATE') as v", [APP_ROLE, schema]), false);
      for (const priv of ["SELECT", "INSERT", "UPDATE", "DELETE"]) {
        assert.equal(
          await q("select has_table_privilege($1, $2, $3) as v", [APP_ROLE, notes, priv]),
          true,
          priv,
        );
      }
      for (const priv of ["TRUNCATE", "REFERENCES", "TRIGGER"]) {
        assert.equal(
          await q("select has_table_privilege($1, $2, $3) as v", [APP_ROLE, notes, priv]),
          false,
          priv,
        );
      }
      // The ledger is the owner's business: the service cannot read or rewrite its migration history.
      assert.equal(
        await q("select has_table_privilege($1, $2, 'SELECT') as v", [APP_ROLE, ledgerTable]),
        false,
      );
      assert.equal(
        await q("select has_table_privilege($1, $2, 'INSERT') as v", [APP_ROLE, ledgerTable]),
        false,
      );
      const seq = await q("select pg_get_serial_sequence($1, 'id') as v", [ledgerTable]);
      assert.equal(await q("select has_sequence_privilege($1, $2, 'USAGE') as v", [APP_ROLE, seq]), false);
    });
  });

  it("applies only a new migration, and the app role can use the table (and sequence) it creates", async () => {
    const tags = withTagsMigration(schema);
    assert.deepEqual(await migrate(tags), { applied: ["Migration20261126000000_tags"] });
    assert.deepEqual(await migrate(tags), { applied: [] });
    const db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
    try {
      const tenant = newId();
      const rows = await db.withTenant(tenant, async (em) => {
        await em.execute(
          `insert into "${schema}".tags (tenant_id, label) values (?, ?)`,
          [tenant, "vip"],
          "run",
        );
        return em.execute<Array<{ label: string }>>(`select label from "${schema}".tags`);
      });
      assert.deepEqual(rows, [{ label: "vip" }]);
    } finally {
      await db.close();
    }
  });

  it("rolls a failing batch back whole and records none of it", async () => {
    class CreatesTable extends Migration {
      override up() {
        this.addSql(`create table "${schema}".doomed (id int primary key)`);
      }
    }
    class Fails extends Migration {
      override up() {
        this.addSql(`alter table "${schema}".no_such_table add column x int`);
      }
    }
    const before = await ledger();
    await assert.rejects(
      migrate([
        ...withTagsMigration(schema),
        { name: "Migration20261127000000_doomed", class: CreatesTable },
        { name: "Migration20261127000100_fails", class: Fails },
      ]),
      /no_such_table/,
    );
    assert.deepEqual(await ledger(), before);
    const exists = await withClient(OWNER_URL, (c) =>
      c.query("select to_regclass($1) as t", [`"${schema}".doomed`]),
    );
    assert.equal(exists.rows[0]?.t, null);
  });

  it("runs the role's extra grants under the migration lock, so replicas starting together never collide", async () => {
    // Fails unless this session holds an advisory lock while the statement runs.
    const underLock = `do $$ begin
        if not exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) then
          raise exception 'role grants ran outside the migration lock';
        end if;
      end $$`;
    const grants = (role: string) => [underLock, `revoke delete on "${schema}".notes from "${role}"`];
    await Promise.all(
      [1, 2, 3].map(() =>
        runMigrations({
          ownerUrl: OWNER_URL,
          schema,
          appRole: APP_ROLE,
          migrations: withTagsMigration(schema),
          roleGrants: grants,
        }),
      ),
    );
    const canDelete = await withClient(OWNER_URL, (c) =>
      c.query<{ v: boolean }>("select has_table_privilege($1, $2, 'DELETE') as v", [
        APP_ROLE,
        `"${schema}".notes`,
      ]),
    );
    assert.equal(canDelete.rows[0]?.v, false);
    // A run without them gives the app role its DML back, as the other tests expect.
    await migrate(withTagsMigration(schema));
  });

  it("rejects a bad schema, role or migration list with a clear error", async () => {
    const base = { ownerUrl: OWNER_URL, appRole: APP_ROLE, migrations: baseMigrations(schema) };
    await assert.rejects(runMigrations({ ...base, schema: 'x"; drop table y; --' }), /invalid schema/);
    await assert.rejects(runMigrations({ ...base, schema, appRole: "Robert'); drop" }), /invalid role/);
    const [first] = baseMigrations(schema);
    assert.ok(first);
    await assert.rejects(runMigrations({ ...base, schema, migrations: [first, first] }), /listed twice/);
  });
});
