import assert from "node:assert/strict";
import {
  createDb,
  createRequestIds,
  type Db,
  newId,
  RequestIdReusedError,
  requestFingerprint,
  requestIdsTableSql,
  runMigrations,
} from "../src/index.js";
import { ENTITIES, statementsMigration } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema } from "./pg-env.js";

describe("request ids (AIP-155)", () => {
  const schema = uniqueSchema("db_spec_request_ids");
  const tenant = newId();
  const requestIds = createRequestIds(schema);
  const method = "atendo.test.v1.TestService/CreateThing";
  let db: Db;

  before(async () => {
    await runMigrations({
      ownerUrl: OWNER_URL,
      schema,
      appRole: APP_ROLE,
      migrations: [statementsMigration("Migration20261207000000_request_ids", requestIdsTableSql(schema))],
    });
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
  });

  after(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  const key = (requestId: string, body = "a") => ({
    tenantId: tenant,
    requestId,
    method,
    fingerprint: requestFingerprint(new TextEncoder().encode(body)),
  });

  it("runs the work once and returns the first response to a retry", async () => {
    const id = newId();
    let runs = 0;
    const work = async () => new Uint8Array([++runs, 7]);
    const first = await db.withTenant(tenant, (em) => requestIds.once(em, key(id), work));
    const retry = await db.withTenant(tenant, (em) => requestIds.once(em, key(id), work));
    assert.equal(runs, 1);
    assert.deepEqual([...retry], [...first]);
    assert.deepEqual([...first], [1, 7]);
  });

  it("refuses the same id with another request or method", async () => {
    const id = newId();
    await db.withTenant(tenant, (em) => requestIds.once(em, key(id), async () => new Uint8Array([1])));
    await assert.rejects(
      db.withTenant(tenant, (em) => requestIds.once(em, key(id, "b"), async () => new Uint8Array([2]))),
      RequestIdReusedError,
    );
    await assert.rejects(
      db.withTenant(tenant, (em) =>
        requestIds.once(
          em,
          { ...key(id), method: "atendo.test.v1.TestService/Other" },
          async () => new Uint8Array(),
        ),
      ),
      RequestIdReusedError,
    );
  });

  it("frees the id when the work fails (the transaction rolls back)", async () => {
    const id = newId();
    await assert.rejects(
      db.withTenant(tenant, (em) =>
        requestIds.once(em, key(id), async () => {
          throw new Error("plan limit");
        }),
      ),
      /plan limit/,
    );
    const again = await db.withTenant(tenant, (em) =>
      requestIds.once(em, key(id), async () => new Uint8Array([9])),
    );
    assert.deepEqual([...again], [9]);
  });

  it("makes a concurrent retry wait for the first call and return its response", async () => {
    const id = newId();
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let claimed: () => void = () => {};
    const hasClaimed = new Promise<void>((r) => {
      claimed = r;
    });
    const first = db.withTenant(tenant, (em) =>
      requestIds.once(em, key(id), async () => {
        runs++;
        claimed();
        await gate;
        return new Uint8Array([42]);
      }),
    );
    await hasClaimed;
    // The second call blocks on the first's row until it commits.
    const second = db.withTenant(tenant, (em) =>
      requestIds.once(em, key(id), async () => {
        runs++;
        return new Uint8Array([43]);
      }),
    );
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(runs, 1);
    assert.deepEqual([...a], [42]);
    assert.deepEqual([...b], [42]);
  });

  it("keeps tenants apart: another tenant's id is another request", async () => {
    const id = newId();
    const other = newId();
    await db.withTenant(tenant, (em) => requestIds.once(em, key(id), async () => new Uint8Array([1])));
    const theirs = await db.withTenant(other, (em) =>
      requestIds.once(em, { ...key(id), tenantId: other }, async () => new Uint8Array([2])),
    );
    assert.deepEqual([...theirs], [2]);
  });
});
