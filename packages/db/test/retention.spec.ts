import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import {
  createDb,
  createRetentionJob,
  type Db,
  findTenantSecurityProblems,
  inboxTableSql,
  newId,
  runMigrations,
} from "../src/index.js";
import { ENTITIES, statementsMigration } from "./fixtures.js";
import { memoryLogger, migrateWithOutbox } from "./outbox-env.js";
import { APP_ROLE, APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

const DAY = 24 * 3_600_000;
const TENANTS = [newId(), newId()];

async function migrateInbox(schema: string): Promise<void> {
  await runMigrations({
    ownerUrl: OWNER_URL,
    schema,
    appRole: APP_ROLE,
    migrations: [statementsMigration("Migration20261125000000_inbox", inboxTableSql(schema))],
  });
}

/** Inbox rows as the owner writes them, `ageDays` old, alternating between two tenants. */
async function seedInbox(schema: string, label: string, ageDays: number, count: number): Promise<void> {
  await withClient(OWNER_URL, async (c) => {
    for (let i = 0; i < count; i++) {
      await c.query(
        `insert into "${schema}".processed_events (tenant_id, consumer, event_id, processed_at)
         values ($1, 'c', $2, now() - make_interval(days => $3))`,
        [TENANTS[i % 2], `${label}-${i}`, ageDays],
      );
    }
  });
}

const eventIds = (schema: string) =>
  withClient(OWNER_URL, async (c) =>
    (
      await c.query<{ event_id: string }>(
        `select event_id from "${schema}".processed_events order by event_id`,
      )
    ).rows.map((r) => r.event_id),
  );

describe("retention", () => {
  const schema = uniqueSchema("db_spec_keep");
  const untouched = uniqueSchema("db_spec_keep_other");
  const outboxSchema = uniqueSchema("db_spec_keep_outbox");
  let db: Db;

  before(async () => {
    await migrateInbox(schema);
    await migrateInbox(untouched);
    await migrateWithOutbox(outboxSchema);
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES });
  });
  after(async () => {
    await db?.close();
    for (const s of [schema, untouched, outboxSchema]) await dropSchema(s);
  });

  it("deletes inbox rows past the age in bounded batches, keeps newer ones and other schemas' rows", async () => {
    await seedInbox(schema, "old", 31, 5);
    await seedInbox(schema, "new", 29, 3);
    await seedInbox(untouched, "old", 40, 2);
    const { logger, lines } = memoryLogger();
    const tasks = [{ schema, table: "processed_events" }];
    // One statement per run at most: two rows of five.
    const bounded = createRetentionJob({ db, tasks, batchSize: 2, maxBatchesPerRun: 1, logger });
    assert.deepEqual(await bounded.runOnce(), [{ table: `${schema}.processed_events`, deleted: 2 }]);
    const job = createRetentionJob({ db, tasks, batchSize: 2, logger });
    assert.deepEqual(await job.runOnce(), [{ table: `${schema}.processed_events`, deleted: 3 }]);
    assert.deepEqual(await eventIds(schema), ["new-0", "new-1", "new-2"]);
    assert.deepEqual(await eventIds(untouched), ["old-0", "old-1"]);
    const info = lines.filter((l) => l.level === "info").map((l) => l.obj);
    assert.deepEqual(
      info,
      [2, 3].map((deleted) => ({ table: `${schema}.processed_events`, deleted, older_than_ms: 30 * DAY })),
    );
    // Nothing left to do: no line.
    assert.deepEqual(await job.runOnce(), [{ table: `${schema}.processed_events`, deleted: 0 }]);
    assert.equal(lines.filter((l) => l.level === "info").length, 2);
  });

  it("shares the work between replicas running at once", async () => {
    await seedInbox(untouched, "many", 60, 60);
    const { logger } = memoryLogger();
    const replica = () =>
      createRetentionJob({
        db,
        tasks: [{ schema: untouched, table: "processed_events" }],
        batchSize: 5,
        logger,
      });
    const results = await Promise.all([replica().runOnce(), replica().runOnce(), replica().runOnce()]);
    // The two old rows of the first test plus these sixty, each deleted by exactly one replica.
    assert.equal(
      results.flat().reduce((n, r) => n + r.deleted, 0),
      62,
    );
    assert.deepEqual(await eventIds(untouched), []);
  });

  it("takes a per-table age, and leaves the tables under forced row-level security", async () => {
    await seedInbox(schema, "week", 8, 2);
    const { logger } = memoryLogger();
    const job = createRetentionJob({
      db,
      tasks: [{ schema, table: "processed_events", maxAgeMs: 7 * DAY }],
      logger,
    });
    await job.runOnce();
    // The 29-day-old rows of the first test go too now.
    assert.deepEqual(await eventIds(schema), []);
    assert.deepEqual(await findTenantSecurityProblems(OWNER_URL, schema, { appRole: APP_ROLE }), []);
    // The service role still sees no tenant's rows outside a tenant transaction.
    await seedInbox(schema, "fresh", 0, 1);
    const seen = await db.withoutTenant((em) =>
      em.execute<Array<{ n: number }>>(`select count(*)::int as n from "${schema}".processed_events`),
    );
    assert.deepEqual(seen, [{ n: 0 }]);
  });

  it("deletes published outbox rows past the age, never pending or failed ones", async () => {
    const tenant = newId();
    await withClient(OWNER_URL, async (c) => {
      const insert = (
        msgId: string,
        status: string,
        publishedDaysAgo: number | null,
        createdDaysAgo: number,
      ) =>
        c.query(
          `insert into "${outboxSchema}".outbox
             (tenant_id, subject, msg_id, event_type, data, status, published_at, created_at)
           values ($1, 's', $2, 't', '\\x00', $3,
                   case when $4::int is null then null else now() - make_interval(days => $4::int) end,
                   now() - make_interval(days => $5::int))`,
          [tenant, msgId, status, publishedDaysAgo, createdDaysAgo],
        );
      await insert("published-old", "published", 31, 31);
      await insert("published-new", "published", 1, 40);
      await insert("pending-old", "pending", null, 40);
      await insert("failed-old", "failed", null, 40);
    });
    const { logger } = memoryLogger();
    const results = await createRetentionJob({
      db,
      tasks: [{ schema: outboxSchema, table: "outbox" }],
      logger,
    }).runOnce();
    assert.deepEqual(results, [{ table: `${outboxSchema}.outbox`, deleted: 1 }]);
    const left = await withClient(OWNER_URL, async (c) =>
      (
        await c.query<{ msg_id: string }>(`select msg_id from "${outboxSchema}".outbox order by msg_id`)
      ).rows.map((r) => r.msg_id),
    );
    assert.deepEqual(left, ["failed-old", "pending-old", "published-new"]);
  });

  it("logs a table it cannot prune and goes on with the others", async () => {
    await seedInbox(schema, "ancient", 400, 1);
    const { logger, lines } = memoryLogger();
    const results = await createRetentionJob({
      db,
      tasks: [
        { schema, table: "no_such_table" },
        { schema, table: "processed_events" },
      ],
      logger,
    }).runOnce();
    assert.deepEqual(results, [{ table: `${schema}.processed_events`, deleted: 1 }]);
    assert.ok(lines.some((l) => l.level === "error" && l.obj.table === `${schema}.no_such_table`));
  });

  it("runs once started, until stopped", async () => {
    await seedInbox(schema, "periodic", 100, 1);
    const { logger, lines } = memoryLogger();
    const job = createRetentionJob({ db, tasks: [{ schema, table: "processed_events" }], logger });
    job.start();
    try {
      await waitFor(async () => !(await eventIds(schema)).includes("periodic-0"), {
        message: "the first run at start",
      });
    } finally {
      await job.stop();
    }
    assert.ok(lines.some((l) => l.level === "info" && l.obj.deleted === 1));
  });
});
