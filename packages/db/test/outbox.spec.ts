import assert from "node:assert/strict";
import {
  assertTenantTablesSecured,
  createDb,
  createOutbox,
  type Db,
  type EncodedEvent,
  isRlsViolation,
  newId,
  OutboxEventTooLargeError,
} from "../src/index.js";
import { ENTITIES, Note } from "./fixtures.js";
import { migrateWithOutbox } from "./outbox-env.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

const event = (label: string, bytes = 16): EncodedEvent => ({
  subject: "atendo.dbspec.v1.thing_happened",
  msgId: `${label}-${newId()}`,
  eventType: "atendo.dbspec.v1.ThingHappened",
  data: new Uint8Array(bytes).fill(7),
});

describe("outbox: adding events", () => {
  const schema = uniqueSchema("db_spec_outbox");
  const tenant = newId();
  const outbox = createOutbox(schema);
  let db: Db;

  before(async () => {
    await migrateWithOutbox(schema);
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
  });
  after(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  /** Every outbox row, as the owner sees them (all tenants). */
  const rowsOf = (msgIds: string[]) =>
    withClient(OWNER_URL, async (c) => {
      await c.query("set row_security = off");
      const res = await c.query<{ msg_id: string; tenant_id: string; status: string; data: Buffer }>(
        `select msg_id, tenant_id, status, data from "${schema}".outbox where msg_id = any($1) order by id`,
        [msgIds],
      );
      return res.rows;
    });

  it("stores the events with the change, in order, for the transaction's tenant", async () => {
    const events = [event("a"), event("b"), event("c")];
    await db.withTenant(tenant, async (em) => {
      em.create(Note, { id: newId(), tenantId: tenant, body: "changed", createdAt: new Date() });
      await outbox.add(em, events);
    });
    const rows = await rowsOf(events.map((e) => e.msgId));
    assert.deepEqual(
      rows.map((r) => [r.msg_id, r.tenant_id, r.status]),
      events.map((e) => [e.msgId, tenant, "pending"]),
    );
    assert.deepEqual([...(rows[0]?.data ?? [])], [...(events[0]?.data ?? [])]);
  });

  it("keeps nothing when the change rolls back", async () => {
    const events = [event("gone")];
    await assert.rejects(
      db.withTenant(tenant, async (em) => {
        await outbox.add(em, events);
        throw new Error("the change failed");
      }),
      /the change failed/,
    );
    assert.deepEqual(await rowsOf(events.map((e) => e.msgId)), []);
  });

  it("refuses an event over the bus's payload limit, so the change does not commit either", async () => {
    const noteId = newId();
    const big = event("big", 1024 * 1024);
    const err = await db
      .withTenant(tenant, async (em) => {
        em.create(Note, { id: noteId, tenantId: tenant, body: "with a big event", createdAt: new Date() });
        await em.flush();
        await outbox.add(em, [event("small"), big]);
      })
      .then(
        () => assert.fail("expected add() to refuse the event"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OutboxEventTooLargeError);
    assert.match(
      err.message,
      /atendo\.dbspec\.v1\.ThingHappened .* over the bus's payload limit of 1048576 bytes/,
    );
    assert.equal(await db.withTenant(tenant, (em) => em.count(Note, { id: noteId })), 0);
    assert.deepEqual(await rowsOf([big.msgId]), []);
    // A configured limit applies the same way.
    const strict = createOutbox(schema, { maxPayloadBytes: 2048 });
    await assert.rejects(
      db.withTenant(tenant, (em) => strict.add(em, [event("two-kib", 2048)])),
      OutboxEventTooLargeError,
    );
  });

  it("refuses to add outside a tenant transaction", async () => {
    await assert.rejects(
      db.withoutTenant((em) => outbox.add(em, [event("no-tenant")])),
      /needs a tenant: call it inside db\.withTenant/,
    );
    await assert.rejects(outbox.add(db.orm.em.fork(), [event("no-tx")]), /must run inside db\.withTenant/);
  });

  it("keeps each tenant's rows to itself", async () => {
    const other = newId();
    const mine = event("mine");
    await db.withTenant(tenant, (em) => outbox.add(em, [mine]));
    const seen = await db.withTenant(other, (em) =>
      em.execute<Array<{ n: number }>>(`select count(*)::int as n from "${schema}".outbox`),
    );
    assert.deepEqual(seen, [{ n: 0 }]);
    // A row for another tenant cannot be planted by hand either.
    await assert.rejects(
      db.withTenant(other, (em) =>
        em.execute(
          `insert into "${schema}".outbox (tenant_id, subject, msg_id, event_type, data) values (?, 's', 'm', 't', '\\x00')`,
          [tenant],
        ),
      ),
      (e: unknown) => isRlsViolation(e),
    );
    await assertTenantTablesSecured(OWNER_URL, schema, { appRole: APP_ROLE });
  });

  it("tells its listeners after the commit, and never after a rollback", async () => {
    const heard: string[] = [];
    const stop = outbox.onCommitted(() => heard.push("committed"));
    try {
      await db.withTenant(tenant, async (em) => {
        await outbox.add(em, [event("heard")]);
        // Not yet: the row is not visible to anyone else before the commit.
        assert.deepEqual(heard, []);
      });
      assert.deepEqual(heard, ["committed"]);
      await assert.rejects(
        db.withTenant(tenant, async (em) => {
          await outbox.add(em, [event("unheard")]);
          throw new Error("rolled back");
        }),
      );
      assert.deepEqual(heard, ["committed"]);
    } finally {
      stop();
    }
  });
});
