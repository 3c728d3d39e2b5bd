import assert from "node:assert/strict";
import type { QueryResult } from "@mikro-orm/core";
import {
  assertTenantTablesSecured,
  createDb,
  type Db,
  InvalidTenantIdError,
  isRlsViolation,
  newId,
  runMigrations,
} from "../src/index.js";
import { baseMigrations, ENTITIES, Note, PlanSchema } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

describe("tenant isolation (row-level security)", () => {
  const schema = uniqueSchema("db_spec_rls");
  const tenantA = newId();
  const tenantB = newId();
  const noteA = newId();
  const noteB = newId();
  let db: Db;

  const note = (id: string, tenantId: string, body: string) => ({
    id,
    tenantId,
    body,
    createdAt: new Date(),
  });
  // What the (only) connection of a one-connection pool shows outside any unit of work.
  const leftOn = async (single: Db) =>
    (
      await single.orm.em
        .fork()
        .execute<Array<{ setting: string | null; n: number }>>(
          `select current_setting('app.tenant_id', true) as setting, (select count(*)::int from "${schema}".notes) as n`,
        )
    )[0];
  const bodies = (tenant: string) =>
    db.withTenant(tenant, async (em) =>
      (await em.find(Note, {}, { orderBy: { body: "asc" } })).map((n) => n.body),
    );

  before(async () => {
    await runMigrations({
      ownerUrl: OWNER_URL,
      schema,
      appRole: APP_ROLE,
      migrations: baseMigrations(schema),
    });
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 2 });
    await db.withTenant(tenantA, async (em) => {
      em.create(Note, note(noteA, tenantA, "a1"));
    });
    await db.withTenant(tenantB, async (em) => {
      em.create(Note, note(noteB, tenantB, "b1"));
    });
    await db.withoutTenant(async (em) => {
      em.create(PlanSchema, { code: "free", name: "Free", seats: 1 });
    });
  });

  after(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  it("shows each tenant only its own rows", async () => {
    assert.deepEqual(await bodies(tenantA), ["a1"]);
    assert.deepEqual(await bodies(tenantB), ["b1"]);
    assert.equal(await db.withTenant(tenantA, (em) => em.findOne(Note, { id: noteB })), null);
  });

  it("shows no tenant rows outside a tenant, while non-tenant tables stay readable", async () => {
    const seen = await db.withoutTenant(async (em) => ({
      notes: await em.count(Note, {}),
      raw: await em.execute<Array<{ n: number }>>(`select count(*)::int as n from "${schema}".notes`),
      plans: (await em.find(PlanSchema, {})).map((p) => p.code),
    }));
    assert.deepEqual(seen, { notes: 0, raw: [{ n: 0 }], plans: ["free"] });
  });

  it("shows no tenant rows to a plain connection of the app role", async () => {
    await withClient(APP_URL, async (c) => {
      const count = async (table: string) =>
        (await c.query<{ n: number }>(`select count(*)::int as n from "${schema}".${table}`)).rows[0]?.n;
      assert.equal(await count("notes"), 0);
      assert.equal(await count("plans"), 1);
      // Nor after a session-level reset to '' (what a finished transaction-local set_config leaves).
      await c.query("select set_config('app.tenant_id', '', false)");
      assert.equal(await count("notes"), 0);
    });
  });

  it("lets tenant A neither update nor delete tenant B's rows", async () => {
    const affected = await db.withTenant(tenantA, async (em) => ({
      update: await em.nativeUpdate(Note, { id: noteB }, { body: "hijacked" }),
      delete: await em.nativeDelete(Note, { id: noteB }),
      rawUpdate: (
        await em.execute<QueryResult>(`update "${schema}".notes set body = 'x' where id = ?`, [noteB], "run")
      ).affectedRows,
      rawDelete: (
        await em.execute<QueryResult>(`delete from "${schema}".notes where tenant_id = ?`, [tenantB], "run")
      ).affectedRows,
    }));
    assert.deepEqual(affected, { update: 0, delete: 0, rawUpdate: 0, rawDelete: 0 });
    assert.deepEqual(await bodies(tenantB), ["b1"]);
  });

  it("refuses tenant A a row for tenant B, and rolls the unit of work back", async () => {
    const mine = newId();
    await assert.rejects(
      db.withTenant(tenantA, async (em) => {
        em.create(Note, note(mine, tenantA, "a-ok"));
        em.create(Note, note(newId(), tenantB, "planted"));
      }),
      (err: unknown) => isRlsViolation(err),
    );
    assert.deepEqual(await bodies(tenantB), ["b1"]);
    assert.deepEqual(await bodies(tenantA), ["a1"]);
  });

  it("refuses tenant A moving its own row to tenant B", async () => {
    await assert.rejects(
      db.withTenant(tenantA, (em) => em.nativeUpdate(Note, { id: noteA }, { tenantId: tenantB })),
      (err: unknown) => isRlsViolation(err),
    );
    assert.deepEqual(await bodies(tenantA), ["a1"]);
    assert.deepEqual(await bodies(tenantB), ["b1"]);
  });

  it("does not leave the tenant setting on the pooled connection", async () => {
    const single = await createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 1 });
    try {
      assert.equal(await single.withTenant(tenantA, (em) => em.count(Note, {})), 1);
      // Same (only) connection, outside any unit of work.
      assert.deepEqual(await leftOn(single), { setting: "", n: 0 });
    } finally {
      await single.close();
    }
  });

  describe("runForTenant (one statement, one round trip)", () => {
    const insert = `insert into "${schema}".notes (id, tenant_id, body, created_at) values ($1, $2, $3, $4), ($5, $6, $7, $8)`;
    const hostile = [
      "it's",
      "back\\slash \\x00 \\' and ''",
      "'); delete from notes; --",
      "$1 ? ?? \\?",
      "acentuação ✓ 🙂",
    ];

    it("writes the tenant's rows, every character as given, seen by that tenant only", async () => {
      for (const text of hostile) {
        const [x, y] = [newId(), newId()];
        await db.runForTenant(tenantA, insert, [
          x,
          tenantA,
          text,
          new Date(),
          y,
          tenantA,
          `${text}2`,
          new Date(),
        ]);
        const stored = await db.withTenant(tenantA, (em) => em.find(Note, { id: { $in: [x, y] } }));
        assert.deepEqual(stored.map((n) => n.body).sort(), [text, `${text}2`]);
        assert.equal(await db.withTenant(tenantB, (em) => em.count(Note, { id: { $in: [x, y] } })), 0);
      }
      await db.withTenant(tenantA, (em) => em.nativeDelete(Note, { body: { $ne: "a1" } }));
      assert.deepEqual(await bodies(tenantA), ["a1"]);
    });

    it("refuses a row for another tenant and stores none of the statement's rows", async () => {
      const mine = newId();
      await assert.rejects(
        db.runForTenant(tenantA, insert, [
          mine,
          tenantA,
          "a-ok",
          new Date(),
          newId(),
          tenantB,
          "x",
          new Date(),
        ]),
        (err: unknown) => isRlsViolation(err),
      );
      assert.equal(await db.withTenant(tenantA, (em) => em.count(Note, { id: mine })), 0);
      assert.deepEqual(await bodies(tenantB), ["b1"]);
    });

    it("updates only the tenant's own rows", async () => {
      await db.runForTenant(
        tenantA,
        `update "${schema}".notes set body = 'hijacked' where id = any($1::uuid[])`,
        [[noteA, noteB]],
      );
      assert.deepEqual(await bodies(tenantB), ["b1"]);
      assert.deepEqual(await bodies(tenantA), ["hijacked"]);
      await db.runForTenant(tenantA, `update "${schema}".notes set body = 'a1' where id = $1`, [noteA]);
    });

    it("leaves no setting on the pooled connection, also after a failure", async () => {
      const single = await createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 1 });
      try {
        await single.runForTenant(tenantA, `update "${schema}".notes set body = body where id = $1`, [noteA]);
        await assert.rejects(
          single.runForTenant(tenantA, `insert into "${schema}".notes (id) values ($1)`, [newId()]),
        );
        assert.deepEqual(await leftOn(single), { setting: "", n: 0 });
      } finally {
        await single.close();
      }
    });

    it("refuses a tenant id that is not a UUID, and several statements, before running anything", async () => {
      await assert.rejects(db.runForTenant("tenant-a", "select 1", []), InvalidTenantIdError);
      await assert.rejects(
        db.runForTenant(tenantA, `delete from "${schema}".notes; select 1`, []),
        /one statement/,
      );
      assert.deepEqual(await bodies(tenantA), ["a1"]);
    });
  });

  it("rejects a tenant id that is not a UUID before running anything", async () => {
    let called = false;
    for (const bad of ["", "tenant-a", `${tenantA}' or '1'='1`, "00000000-0000-0000-0000-00000000000g"]) {
      await assert.rejects(
        db.withTenant(bad, async () => {
          called = true;
        }),
        InvalidTenantIdError,
      );
    }
    assert.equal(called, false);
  });

  it("passes the catalogue check: forced RLS on every tenant table, app role without bypass", async () => {
    await assertTenantTablesSecured(OWNER_URL, schema, { appRole: APP_ROLE });
  });
});
