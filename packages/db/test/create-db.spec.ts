import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import type { QueryResult } from "@mikro-orm/core";
import type pg from "pg";
import {
  type CreateDbOptions,
  classifyDbError,
  createDb,
  type Db,
  isUniqueViolation,
  newId,
  runMigrations,
  safeDbErrorMessage,
} from "../src/index.js";
import { baseMigrations, ENTITIES, Note, PlanSchema, statementsMigration } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

interface KyselyNotes {
  notes: { id: string; tenant_id: string; body: string; external_id: string | null };
}

/** Records every statement the pool's connections send, as the server receives them. */
async function recordStatements(db: Db): Promise<string[]> {
  const sent: string[] = [];
  const wrapped = new WeakSet<object>();
  const pool = await db.orm.em.getConnection().getNativeClient();
  pool.on("acquire", (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    Object.assign(client, {
      query: (...args: unknown[]) => {
        const [first] = args;
        const text = typeof first === "string" ? first : (first as { text?: unknown } | undefined)?.text;
        sent.push(String(text).replace(/\s+/g, " ").trim().toLowerCase());
        return query(...args);
      },
    });
  });
  return sent;
}

describe("createDb", () => {
  const schema = uniqueSchema("db_spec_uow");
  const tenant = newId();
  let db: Db;

  before(async () => {
    await runMigrations({
      ownerUrl: OWNER_URL,
      schema,
      appRole: APP_ROLE,
      migrations: baseMigrations(schema),
    });
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
  });

  after(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  const countNotes = () => db.withTenant(tenant, (em) => em.count(Note, {}));
  const dbWith = (options: Partial<CreateDbOptions>) =>
    createDb({ url: APP_URL, schema, entities: ENTITIES, ...options });

  it("round-trips a defineEntity entity", async () => {
    const id = newId();
    const createdAt = new Date("2026-11-25T10:11:12.345Z");
    await db.withTenant(tenant, async (em) => {
      em.create(Note, { id, tenantId: tenant, body: "olá 👋", externalId: "wamid.1", createdAt });
    });
    const loaded = await db.withTenant(tenant, (em) => em.findOneOrFail(Note, { id }));
    assert.equal(loaded.id, id);
    assert.equal(loaded.tenantId, tenant);
    assert.equal(loaded.body, "olá 👋");
    assert.equal(loaded.externalId, "wamid.1");
    assert.ok(loaded.createdAt instanceof Date);
    assert.equal(loaded.createdAt.toISOString(), createdAt.toISOString());
  });

  it("round-trips an EntitySchema entity and flushes changes to managed entities", async () => {
    await db.withoutTenant(async (em) => {
      em.create(PlanSchema, { code: "pro", name: "Pro", seats: 5 });
    });
    await db.withoutTenant(async (em) => {
      const plan = await em.findOneOrFail(PlanSchema, { code: "pro" });
      plan.seats = 10;
    });
    const plan = await db.withoutTenant((em) => em.findOneOrFail(PlanSchema, { code: "pro" }));
    assert.deepEqual({ ...plan }, { code: "pro", name: "Pro", seats: 10 });
  });

  it("rolls back when fn throws and rethrows the same error", async () => {
    const before = await countNotes();
    const boom = new Error("boom");
    await assert.rejects(
      db.withTenant(tenant, async (em) => {
        em.create(Note, { id: newId(), tenantId: tenant, body: "flushed", createdAt: new Date() });
        await em.flush();
        await em.execute(`insert into "${schema}".notes (id, tenant_id, body) values (?, ?, 'raw')`, [
          newId(),
          tenant,
        ]);
        throw boom;
      }),
      (err: unknown) => err === boom,
    );
    assert.equal(await countNotes(), before);
  });

  it("rolls back when the final flush fails, with a unique violation safe to map", async () => {
    const before = await countNotes();
    const err = await db
      .withTenant(tenant, async (em) => {
        em.create(Note, {
          id: newId(),
          tenantId: tenant,
          body: "first",
          externalId: "dup",
          createdAt: new Date(),
        });
        em.create(Note, {
          id: newId(),
          tenantId: tenant,
          body: "second",
          externalId: "dup",
          createdAt: new Date(),
        });
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(isUniqueViolation(err), String(err));
    assert.equal(safeDbErrorMessage(err), "a record with the same key already exists");
    assert.equal(await countNotes(), before);
  });

  it("runs raw SQL and Kysely in the same transaction as the entity manager", async () => {
    const ids = [newId(), newId(), newId()];
    const insertRaw = `insert into "${schema}".notes (id, tenant_id, body, external_id)
      values (?, ?, 'r1', 'ext-1'), (?, ?, 'r2', 'ext-2') on conflict do nothing`;
    const first = await db.withTenant(tenant, async (em) => {
      const raw = await em.execute<QueryResult>(insertRaw, [ids[0], tenant, ids[1], tenant], "run");
      const kysely = await em
        .getKysely<KyselyNotes>()
        .withSchema(schema)
        .insertInto("notes")
        .values([
          { id: ids[2] ?? "", tenant_id: tenant, body: "k1", external_id: "ext-3" },
          { id: newId(), tenant_id: tenant, body: "k-dup", external_id: "ext-1" },
        ])
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      // The entity manager sees the uncommitted rows: same connection, same transaction.
      const seen = await em.find(
        Note,
        { externalId: { $in: ["ext-1", "ext-2", "ext-3"] } },
        { orderBy: { body: "asc" } },
      );
      return {
        raw: raw.affectedRows,
        kysely: Number(kysely.numInsertedOrUpdatedRows),
        seen: seen.map((n) => n.body),
      };
    });
    assert.deepEqual(first, { raw: 2, kysely: 1, seen: ["k1", "r1", "r2"] });
    // Redelivery of the same rows is a no-op.
    const again = await db.withTenant(tenant, (em) =>
      em.execute<QueryResult>(insertRaw, [newId(), tenant, newId(), tenant], "run"),
    );
    assert.equal(again.affectedRows, 0);
  });

  it("sends BEGIN, one set_config, the work and COMMIT: no other round trip", async () => {
    const sent = await recordStatements(db);
    await db.withTenant(tenant, (em) => em.count(Note, {}));
    assert.equal(sent.length, 4, sent.join("\n"));
    assert.equal(sent[0], "begin");
    assert.match(sent[1] ?? "", new RegExp(`^select set_config\\('app\\.tenant_id', '${tenant}', true\\)$`));
    assert.match(sent[2] ?? "", /^select count\(\*\) as "count" from "db_spec_uow_[0-9a-f]+"\."notes"/);
    assert.equal(sent[3], "commit");
  });

  it("answers ping, and rejects it once aborted", async () => {
    await db.ping();
    await db.ping(AbortSignal.timeout(5_000));
    const ctrl = new AbortController();
    ctrl.abort(new Error("shutting down"));
    await assert.rejects(db.ping(ctrl.signal), /shutting down/);
  });

  it("gives up a ping when its signal fires, even while the pool is busy", async () => {
    const single = await createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 1 });
    const lockKey = Math.floor(Math.random() * 2 ** 31);
    try {
      await withClient(APP_URL, async (holder) => {
        await holder.query("select pg_advisory_lock($1)", [lockKey]);
        const { promise: started, resolve } = Promise.withResolvers<void>();
        // Holds the pool's only connection until the holder lets go of the lock.
        const busy = single.withoutTenant(async (em) => {
          resolve();
          await em.execute("select pg_advisory_xact_lock(?)", [lockKey]);
        });
        await started;
        await assert.rejects(single.ping(AbortSignal.timeout(100)), /aborted/);
        await holder.query("select pg_advisory_unlock($1)", [lockKey]);
        await busy;
      });
      await single.ping();
    } finally {
      await single.close();
    }
  });

  it("logs through the given logger but never a query or its values", async () => {
    const lines: string[] = [];
    const capture = (level: string) => (obj: object, msg?: string) =>
      lines.push(`${level} ${JSON.stringify(obj)} ${msg}`);
    const logger = {
      debug: capture("debug"),
      info: capture("info"),
      warn: capture("warn"),
      error: capture("error"),
    };
    const logged = await createDb({ url: APP_URL, schema, entities: ENTITIES, logger });
    try {
      const secret = `EAAG-token-${newId()}`;
      await logged.withTenant(tenant, async (em) => {
        em.create(Note, { id: newId(), tenantId: tenant, body: secret, createdAt: new Date() });
      });
      await logged.withTenant(tenant, (em) => em.find(Note, { body: secret }));
      await logged.withTenant(tenant, (em) => em.execute(`select ? as s`, [secret]));
      assert.ok(lines.length > 0, "the ORM's own messages reach the logger");
      assert.deepEqual(
        lines.filter((l) => l.includes(secret) || /select|insert/i.test(l)),
        [],
      );
    } finally {
      await logged.close();
    }
  });

  it("gives every connection a statement and an idle-in-transaction timeout, 0 turning them off", async () => {
    const settings = (d: Db) =>
      d.withoutTenant((em) =>
        em.execute<Array<{ statement: string; idle: string }>>(
          `select current_setting('statement_timeout') as statement,
                  current_setting('idle_in_transaction_session_timeout') as idle`,
        ),
      );
    assert.deepEqual(await settings(db), [{ statement: "30s", idle: "1min" }]);
    const off = await dbWith({ statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 });
    try {
      assert.deepEqual(await settings(off), [{ statement: "0", idle: "0" }]);
    } finally {
      await off.close();
    }
  });

  it("cancels a statement past its timeout at once, classified as a timeout, and the pool goes on", async () => {
    const quick = await dbWith({ poolMax: 1, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const err = await quick
        .withTenant(tenant, (em) => em.execute("select pg_sleep(10)"))
        .then(
          () => assert.fail("expected the statement to be cancelled"),
          (e: unknown) => e,
        );
      const elapsed = Date.now() - started;
      assert.equal(classifyDbError(err), "timeout", String(err));
      assert.equal(safeDbErrorMessage(err), "the database took too long to answer; retry later");
      assert.ok(elapsed < 5_000, `cancelled after ${elapsed} ms`);
      // The pool's only connection serves the next unit of work.
      assert.equal(await quick.withTenant(tenant, (em) => em.count(Note, {})), await countNotes());
    } finally {
      await quick.close();
    }
  });

  it("ends a transaction left idle past its limit, and the pool goes on", async () => {
    const quick = await dbWith({ poolMax: 1, idleInTransactionTimeoutMs: 200 });
    try {
      const err = await quick
        .withTenant(tenant, async (em) => {
          const [row] = await em.execute<Array<{ pid: number }>>("select pg_backend_pid() as pid");
          // Idle in the transaction until the server has ended the session.
          await waitFor(
            async () =>
              (
                await withClient(OWNER_URL, (c) =>
                  c.query("select 1 from pg_stat_activity where pid = $1", [row?.pid]),
                )
              ).rowCount === 0,
            { message: "the server to end the idle session" },
          );
          await em.execute("select 1");
        })
        .then(
          () => assert.fail("expected the transaction to be gone"),
          (e: unknown) => e,
        );
      assert.equal(classifyDbError(err), "connection", String(err));
      // The dead connection went back to the pool (its only slot), which opens a fresh one.
      const expected = await countNotes();
      await waitFor(async () => (await quick.withTenant(tenant, (em) => em.count(Note, {}))) === expected, {
        message: "the pool to serve again",
      });
    } finally {
      await quick.close();
    }
  });

  it("runs migrations without a statement timeout", async () => {
    const migrated = uniqueSchema("db_spec_uow_mig");
    try {
      await runMigrations({
        ownerUrl: OWNER_URL,
        schema: migrated,
        appRole: APP_ROLE,
        migrations: [
          statementsMigration("Migration20261201000000_settings", [
            `create table "${migrated}".seen as select current_setting('statement_timeout') as statement`,
          ]),
        ],
      });
      const seen = await withClient(OWNER_URL, (c) => c.query(`select statement from "${migrated}".seen`));
      assert.deepEqual(seen.rows, [{ statement: "0" }]);
    } finally {
      await dropSchema(migrated);
    }
  });

  it("rejects bad options with a clear error that does not echo the password", async () => {
    await assert.rejects(
      createDb({ url: APP_URL, schema: "Bad Schema", entities: ENTITIES }),
      /invalid schema/,
    );
    await assert.rejects(
      createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 0 }),
      /invalid poolMax/,
    );
    await assert.rejects(
      createDb({ url: APP_URL, schema, entities: ENTITIES, statementTimeoutMs: -1 }),
      /invalid statementTimeoutMs/,
    );
    await assert.rejects(
      createDb({ url: "mysql://u:s3cret@h/db", schema, entities: ENTITIES }),
      (err: Error) => /expected postgres:\/\//.test(err.message) && !err.message.includes("s3cret"),
    );
    await assert.rejects(
      createDb({ url: "not a url s3cret", schema, entities: ENTITIES }),
      (err: Error) => /cannot parse/.test(err.message) && !err.message.includes("s3cret"),
    );
  });
});
