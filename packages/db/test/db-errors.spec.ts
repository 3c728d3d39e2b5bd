import assert from "node:assert/strict";
import {
  classifyDbError,
  constraintName,
  createDb,
  type Db,
  isCheckViolation,
  isForeignKeyViolation,
  isNotNullViolation,
  isRetryableTransactionError,
  isUniqueViolation,
  newId,
  pgErrorCode,
  runMigrations,
  safeDbErrorMessage,
} from "../src/index.js";
import { baseMigrations, ENTITIES } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema } from "./pg-env.js";

describe("database error helpers", () => {
  const schema = uniqueSchema("db_spec_err");
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

  /** Runs statements in a unit of work with throwaway temp tables and returns what it threw. */
  async function failure(...statements: string[]): Promise<unknown> {
    return db
      .withoutTenant(async (em) => {
        await em.execute("create temp table parent (id int primary key) on commit drop");
        await em.execute(
          "create temp table child (id int primary key, parent_id int references parent, qty int not null check (qty > 0)) on commit drop",
        );
        for (const sql of statements) await em.execute(sql);
      })
      .then(
        () => assert.fail("expected the statements to fail"),
        (err: unknown) => err,
      );
  }

  it("recognises a unique violation from the ORM and from Kysely, with its constraint", async () => {
    const tenant = newId();
    const viaOrm = await failure("insert into parent values (1)", "insert into parent values (1)");
    assert.ok(isUniqueViolation(viaOrm));
    assert.equal(constraintName(viaOrm), "parent_pkey");
    const viaKysely = await db
      .withTenant(tenant, async (em) => {
        const rows = [0, 1].map(() => ({ id: newId(), tenant_id: tenant, body: "b", external_id: "same" }));
        await em
          .getKysely<{ notes: (typeof rows)[number] }>()
          .withSchema(schema)
          .insertInto("notes")
          .values(rows)
          .execute();
      })
      .then(
        () => assert.fail("expected a unique violation"),
        (err: unknown) => err,
      );
    assert.equal(pgErrorCode(viaKysely), "23505");
    assert.ok(isUniqueViolation(viaKysely));
    assert.equal(constraintName(viaKysely), "notes_tenant_id_external_id_key");
  });

  it("recognises foreign key, not-null and check violations", async () => {
    const fk = await failure("insert into child values (1, 42, 1)");
    assert.ok(isForeignKeyViolation(fk));
    assert.equal(classifyDbError(fk), "foreign_key_violation");
    const nn = await failure("insert into child (id, qty) values (1, null)");
    assert.ok(isNotNullViolation(nn));
    const check = await failure("insert into child (id, qty) values (1, 0)");
    assert.ok(isCheckViolation(check));
    assert.equal(constraintName(check), "child_qty_check");
    assert.ok(!isUniqueViolation(check));
  });

  it("gives users a message without schema details or values, while the original keeps them for logs", async () => {
    const err = await failure("insert into parent values (7)", "insert into parent values (7)");
    assert.match(String((err as Error).message), /parent_pkey[\s\S]*Key \(id\)=\(7\)/);
    const safe = safeDbErrorMessage(err);
    assert.equal(safe, "a record with the same key already exists");
    assert.doesNotMatch(safe, /insert|parent|7/);
  });

  it("classifies an unreachable server as a connection problem", async () => {
    const down = await createDb({
      url: "postgres://nobody:secret@127.0.0.1:1/nowhere",
      schema,
      entities: ENTITIES,
    });
    try {
      const err = await down.ping().then(
        () => assert.fail("expected ping to fail"),
        (e: unknown) => e,
      );
      assert.equal(classifyDbError(err), "connection");
      assert.equal(safeDbErrorMessage(err), "the database is unavailable");
    } finally {
      await down.close();
    }
  });

  it("maps SQLSTATEs found anywhere in a cause chain, and ignores non-errors", () => {
    const wrapped = new Error("outer", { cause: { code: "40001", message: "could not serialize access" } });
    assert.equal(pgErrorCode(wrapped), "40001");
    assert.ok(isRetryableTransactionError(wrapped));
    assert.ok(isRetryableTransactionError({ code: "40P01" }));
    assert.equal(classifyDbError({ code: "57014" }), "query_canceled");
    assert.equal(
      classifyDbError({ code: "57014", message: "canceling statement due to statement timeout" }),
      "timeout",
    );
    assert.equal(
      classifyDbError({ code: "55P03", message: "canceling statement due to lock timeout" }),
      "timeout",
    );
    assert.equal(
      classifyDbError({ code: "55P03", message: 'could not obtain lock on row in relation "x"' }),
      "other",
    );
    assert.equal(classifyDbError({ code: "25P03" }), "timeout");
    assert.equal(
      classifyDbError(new Error("Client has encountered a connection error and is not queryable")),
      "connection",
    );
    assert.equal(classifyDbError({ code: "42501", routine: "ExecWithCheckOptions" }), "rls_violation");
    // insufficient_privilege that is not an RLS check stays generic
    assert.equal(classifyDbError({ code: "42501", message: "permission denied for table x" }), "other");
    for (const junk of [undefined, null, "23505", 23505, { code: "ECONNRESET_NOT_SQLSTATE" }]) {
      assert.equal(pgErrorCode(junk), undefined);
      assert.ok(!isUniqueViolation(junk));
    }
    assert.equal(safeDbErrorMessage(new Error("select secret from t")), "internal database error");
  });
});
