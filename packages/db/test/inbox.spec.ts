import assert from "node:assert/strict";
import {
  createDb,
  createInbox,
  type Db,
  type EncodedEvent,
  inboxTableSql,
  newId,
  runMigrations,
} from "../src/index.js";
import { ENTITIES, statementsMigration } from "./fixtures.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema } from "./pg-env.js";

const output = (n: number): EncodedEvent => ({
  subject: "atendo.test.v1.done",
  msgId: `msg-${n}`,
  eventType: "atendo.test.v1.Done",
  data: new Uint8Array([n, 0, 255]),
});

describe("inbox", () => {
  const schema = uniqueSchema("db_spec_inbox");
  const tenant = newId();
  const inbox = createInbox(schema);
  let db: Db;

  before(async () => {
    await runMigrations({
      ownerUrl: OWNER_URL,
      schema,
      appRole: APP_ROLE,
      migrations: [statementsMigration("Migration20261125000000_inbox", inboxTableSql(schema))],
    });
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
  });

  after(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  it("runs the work once and hands the stored outputs back on a redelivery", async () => {
    const key = { tenantId: tenant, consumer: "c1", eventId: newId() };
    let runs = 0;
    const work = async () => {
      runs++;
      return [output(1), output(2)];
    };
    const first = await db.withTenant(tenant, (em) => inbox.handle(em, key, work));
    const second = await db.withTenant(tenant, (em) => inbox.handle(em, key, work));
    assert.equal(runs, 1);
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.deepEqual(second.outputs, first.outputs);
    assert.deepEqual([...(second.outputs[0]?.data ?? [])], [1, 0, 255]);
  });

  it("keys by consumer: another consumer of the same event does its own work", async () => {
    const eventId = newId();
    let runs = 0;
    const work = async () => {
      runs++;
      return [];
    };
    await db.withTenant(tenant, (em) => inbox.handle(em, { tenantId: tenant, consumer: "a", eventId }, work));
    await db.withTenant(tenant, (em) => inbox.handle(em, { tenantId: tenant, consumer: "b", eventId }, work));
    assert.equal(runs, 2);
  });

  it("forgets the claim when the work throws, so the redelivery does the work", async () => {
    const key = { tenantId: tenant, consumer: "c1", eventId: newId() };
    await assert.rejects(
      db.withTenant(tenant, (em) =>
        inbox.handle(em, key, async () => {
          throw new Error("boom");
        }),
      ),
      /boom/,
    );
    const retry = await db.withTenant(tenant, (em) => inbox.handle(em, key, async () => [output(3)]));
    assert.equal(retry.duplicate, false);
    assert.equal(retry.outputs[0]?.msgId, "msg-3");
  });

  it("serialises concurrent deliveries of one event: one does the work, the other sees its outputs", async () => {
    const key = { tenantId: tenant, consumer: "c1", eventId: newId() };
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = db.withTenant(tenant, (em) =>
      inbox.handle(em, key, async () => {
        runs++;
        await gate;
        return [output(7)];
      }),
    );
    // Wait until the first transaction holds the claim before starting the second.
    const deadline = Date.now() + 5000;
    while (runs === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    const fast = db.withTenant(tenant, (em) =>
      inbox.handle(em, key, async () => {
        runs++;
        return [output(8)];
      }),
    );
    release();
    const [a, b] = await Promise.all([slow, fast]);
    assert.equal(runs, 1);
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    assert.equal(b.outputs[0]?.msgId, "msg-7");
  });

  it("tells whether a consumer handled an event, for a look before expensive work", async () => {
    const eventId = newId();
    const handled = (consumer: string, t = tenant) =>
      db.withTenant(t, (em) => inbox.handled(em, { consumer, eventId }));
    assert.equal(await handled("c1"), false);
    await db.withTenant(tenant, (em) =>
      inbox.handle(em, { tenantId: tenant, consumer: "c1", eventId }, async () => [output(1)]),
    );
    assert.equal(await handled("c1"), true);
    // Another consumer of the same event, or another tenant (RLS), has not handled it.
    assert.equal(await handled("c2"), false);
    assert.equal(await handled("c1", newId()), false);
  });

  it("is tenant-scoped: another tenant neither sees nor blocks the row", async () => {
    const eventId = newId();
    await db.withTenant(tenant, (em) =>
      inbox.handle(em, { tenantId: tenant, consumer: "c1", eventId }, async () => [output(1)]),
    );
    const rows = await db.withTenant(newId(), (em) =>
      em.execute(`select * from ${schema}.processed_events where event_id = ?`, [eventId], "all"),
    );
    assert.equal(rows.length, 0);
  });
});
