import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import {
  createDb,
  createOutbox,
  createOutboxRelay,
  type Db,
  type EncodedEvent,
  newId,
  type OutboxRelayOptions,
} from "../src/index.js";
import { ENTITIES } from "./fixtures.js";
import { memoryLogger, migrateWithOutbox, openTestStream, type TestStream } from "./outbox-env.js";
import { APP_URL, dropSchema, OWNER_URL, uniqueSchema, withClient } from "./pg-env.js";

interface OutboxRowState {
  msg_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  due_in_ms: number;
  published: boolean;
}

describe("outbox relay (real Postgres and JetStream)", () => {
  const schema = uniqueSchema("db_spec_relay");
  const outbox = createOutbox(schema);
  let db: Db;
  let stream: TestStream;

  before(async () => {
    await migrateWithOutbox(schema);
    db = await createDb({ url: APP_URL, schema, entities: ENTITIES, poolMax: 6 });
    stream = await openTestStream();
  });
  after(async () => {
    await stream?.close();
    await db?.close();
    await dropSchema(schema);
  });

  const add = (tenant: string, events: EncodedEvent[]) =>
    db.withTenant(tenant, (em) => outbox.add(em, events));

  /** Rows by msgID as the owner sees them, with when they are due relative to the server's now. */
  const rows = (msgIds: string[]) =>
    withClient(OWNER_URL, async (c) => {
      const res = await c.query<OutboxRowState>(
        `select msg_id, status, attempts, last_error, published_at is not null as published,
                (extract(epoch from next_attempt_at - now()) * 1000)::int as due_in_ms
           from "${schema}".outbox where msg_id = any($1) order by id`,
        [msgIds],
      );
      return res.rows;
    });
  /** Moves a row's due time to now, as if its backoff had passed. */
  const makeDue = (msgId: string) =>
    withClient(OWNER_URL, (c) =>
      c.query(`update "${schema}".outbox set next_attempt_at = now() where msg_id = $1`, [msgId]),
    );
  const relayWith = (extra: Partial<OutboxRelayOptions> = {}) => {
    const log = memoryLogger();
    const relay = createOutboxRelay({
      db,
      outbox,
      publish: (e) => stream.bus.publishEncoded(e),
      logger: log.logger,
      ...extra,
    });
    return { relay, lines: log.lines };
  };
  const drain = async (relay: ReturnType<typeof relayWith>["relay"]) => {
    await waitFor(
      async () => (await relay.relayOnce()).claimed === 0 && (await relay.stats()).pending === 0,
      {
        message: "the outbox to drain",
      },
    );
  };

  it("publishes a committed event once, woken by the commit, and marks it published", async () => {
    // The periodic pass is a minute away: only the wake after the commit can publish in time.
    const { relay } = relayWith({ intervalMs: 60_000 });
    relay.start();
    try {
      const tenant = newId();
      const e = stream.event("committed");
      await add(tenant, [e]);
      await waitFor(async () => (await stream.storedMsgIds()).includes(e.msgId), {
        message: "the committed event in the stream",
      });
      await waitFor(async () => (await rows([e.msgId]))[0]?.status === "published", { message: "marked" });
      assert.equal((await rows([e.msgId]))[0]?.published, true);
    } finally {
      await relay.stop();
    }
    const { relay: again } = relayWith();
    assert.equal((await again.relayOnce()).claimed, 0);
    assert.equal((await stream.storedMsgIds()).length, 1);
  });

  it("publishes what was committed before it stops, with a last pass", async () => {
    const e = stream.event("before-stop");
    await add(newId(), [e]);
    const { relay } = relayWith({ intervalMs: 60_000 });
    // Stopped before its first pass could run: only the last pass can publish the event.
    relay.start();
    await relay.stop();
    assert.ok((await stream.storedMsgIds()).includes(e.msgId));
    assert.equal((await rows([e.msgId]))[0]?.status, "published");
  });

  it("publishes nothing of a change that rolled back", async () => {
    const { relay } = relayWith();
    const e = stream.event("rolled-back");
    await assert.rejects(
      db.withTenant(newId(), async (em) => {
        await outbox.add(em, [e]);
        throw new Error("rolled back");
      }),
    );
    assert.equal((await relay.relayOnce()).claimed, 0);
    assert.ok(!(await stream.storedMsgIds()).includes(e.msgId));
  });

  it("shares the work between two relays: every row once, none skipped, each tenant in order", async () => {
    const tenants = Array.from({ length: 5 }, () => newId());
    const added = new Map<string, string[]>(tenants.map((t) => [t, []]));
    // Interleaved transactions of one to three events per tenant.
    for (let round = 0; round < 16; round++) {
      await Promise.all(
        tenants.map(async (t, i) => {
          const events = Array.from({ length: 1 + ((round + i) % 3) }, (_, k) =>
            stream.event(`t${i}-r${round}-${k}`),
          );
          await add(t, events);
          added.get(t)?.push(...events.map((e) => e.msgId));
        }),
      );
    }
    const all = [...added.values()].flat();
    const calls: Array<{ relay: string; msgId: string }> = [];
    const tenantOf = new Map([...added].flatMap(([t, ids]) => ids.map((id) => [id, t] as const)));
    const counting = (name: string) => async (e: EncodedEvent) => {
      calls.push({ relay: name, msgId: e.msgId });
      return stream.bus.publishEncoded(e);
    };
    const a = relayWith({ publish: counting("a"), intervalMs: 20, batchSize: 7, concurrency: 3 }).relay;
    const b = relayWith({ publish: counting("b"), intervalMs: 20, batchSize: 7, concurrency: 3 }).relay;
    a.start();
    b.start();
    try {
      await waitFor(async () => (await a.stats()).pending === 0, {
        timeoutMs: 30_000,
        message: "all relayed",
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    assert.equal(calls.length, all.length, "no row was published twice");
    assert.deepEqual(new Set(calls.map((c) => c.msgId)), new Set(all));
    assert.ok(new Set(calls.map((c) => c.relay)).size === 2, "both relays took part");
    const stored = await stream.storedMsgIds();
    for (const id of all) assert.equal(stored.filter((s) => s === id).length, 1, id);
    for (const [tenant, ids] of added) {
      const order = calls.filter((c) => tenantOf.get(c.msgId) === tenant).map((c) => c.msgId);
      assert.deepEqual(order, ids, `tenant ${tenant}'s events in commit order`);
    }
    const states = await rows(all);
    assert.ok(states.every((r) => r.status === "published" && r.attempts === 0));
  });

  it("backs a failing row off, fails it for good after maxAttempts, and lets its tenant's later events follow", async () => {
    const tenant = newId();
    const poison = stream.event("poison");
    const after = stream.event("after-poison");
    const other = stream.event("other-tenant");
    await add(tenant, [poison]);
    await add(tenant, [after]);
    await add(newId(), [other]);
    const published: string[] = [];
    const { relay, lines } = relayWith({
      maxAttempts: 3,
      backoff: { initialMs: 60_000, maxMs: 90_000 },
      publish: async (e) => {
        if (e.msgId === poison.msgId) throw new Error("stream refused it");
        published.push(e.msgId);
        return stream.bus.publishEncoded(e);
      },
    });

    const first = await relay.relayOnce();
    assert.deepEqual([first.published, first.retried, first.failed], [1, 1, 0]);
    assert.deepEqual(published, [other.msgId], "the other tenant is not held up");
    let [p, a] = await rows([poison.msgId, after.msgId]);
    assert.deepEqual([p?.status, p?.attempts, p?.last_error], ["pending", 1, "stream refused it"]);
    // 60 s, up to a fifth shorter.
    assert.ok(p && p.due_in_ms > 45_000 && p.due_in_ms <= 60_000, `first backoff ${p?.due_in_ms}`);
    assert.equal(a?.status, "pending");
    // Not due yet, and the later event of the tenant waits behind it.
    assert.equal((await relay.relayOnce()).claimed, 0);

    await makeDue(poison.msgId);
    await relay.relayOnce();
    [p] = await rows([poison.msgId]);
    assert.equal(p?.attempts, 2);
    assert.ok(p && p.due_in_ms > 70_000 && p.due_in_ms <= 90_000, `second backoff, capped: ${p?.due_in_ms}`);
    assert.deepEqual(published, [other.msgId]);

    await makeDue(poison.msgId);
    const last = await relay.relayOnce();
    assert.equal(last.failed, 1);
    [p] = await rows([poison.msgId]);
    assert.deepEqual([p?.status, p?.attempts, p?.last_error], ["failed", 3, "stream refused it"]);
    const errors = lines.filter((l) => l.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.obj.msg_id, poison.msgId);
    assert.equal(errors[0]?.obj.tenant_id, tenant);
    assert.equal(errors[0]?.obj.attempts, 3);
    assert.equal((await relay.stats()).failed, 1);

    // The failed row no longer holds its tenant back.
    await drain(relay);
    assert.deepEqual(published, [other.msgId, after.msgId]);
    [p, a] = await rows([poison.msgId, after.msgId]);
    assert.deepEqual([p?.status, a?.status], ["failed", "published"]);
    assert.ok(!(await stream.storedMsgIds()).includes(poison.msgId));
  });

  it("counts nothing against the rows while the bus is unreachable", async () => {
    const e = stream.event("outage");
    await add(newId(), [e]);
    let down = true;
    const { relay, lines } = relayWith({
      publish: async (ev) => {
        if (down) throw new Error("connection closed");
        return stream.bus.publishEncoded(ev);
      },
      ping: async () => {
        if (down) throw new Error("nats did not answer");
      },
    });
    const pass = await relay.relayOnce();
    assert.deepEqual([pass.outage, pass.retried, pass.failed], [true, 0, 0]);
    const [row] = await rows([e.msgId]);
    assert.deepEqual([row?.status, row?.attempts, row?.last_error], ["pending", 0, null]);
    assert.ok(row && row.due_in_ms <= 0, "due again at once");
    assert.ok(lines.some((l) => l.level === "warn" && /unreachable/.test(l.msg ?? "")));
    down = false;
    await drain(relay);
    assert.ok((await stream.storedMsgIds()).includes(e.msgId));
  });

  it("loses nothing when a relay hangs mid-batch: another one takes its rows when the lease ends", async () => {
    const t = newId();
    const u = newId();
    const ofT = Array.from({ length: 6 }, (_, i) => stream.event(`hang-t${i}`));
    const ofU = Array.from({ length: 3 }, (_, i) => stream.event(`hang-u${i}`));
    for (const e of ofT) await add(t, [e]);
    await add(u, ofU);
    const before = (await stream.storedMsgIds()).length;

    let hung = false;
    let release: (err: Error) => void = () => {};
    const stuck = new Promise<never>((_, reject) => {
      release = reject;
    });
    const { relay: dying } = relayWith({
      leaseMs: 500,
      publishTimeoutMs: 600_000,
      publish: async (e) => {
        // The third event of t never gets an answer: the process is as good as dead.
        if (e.msgId === ofT[2]?.msgId) {
          hung = true;
          return stuck;
        }
        return stream.bus.publishEncoded(e);
      },
    });
    const dyingPass = dying.relayOnce();
    await waitFor(() => hung, { message: "the first relay to hang" });

    const republished: string[] = [];
    const { relay: survivor } = relayWith({
      publish: async (e) => {
        republished.push(e.msgId);
        return stream.bus.publishEncoded(e);
      },
    });
    await drain(survivor);
    // It published again the two events the hung relay had sent but not yet marked: same msgIDs.
    assert.deepEqual(
      republished,
      ofT.map((e) => e.msgId),
    );
    const stored = await stream.storedMsgIds();
    assert.equal(stored.length - before, ofT.length + ofU.length, "JetStream dropped the repeats");
    for (const e of [...ofT, ...ofU]) assert.equal(stored.filter((s) => s === e.msgId).length, 1);

    // When the hung publish finally fails, the late relay changes nothing.
    release(new Error("gave up"));
    await dyingPass;
    const states = await rows([...ofT, ...ofU].map((e) => e.msgId));
    assert.ok(
      states.every((r) => r.status === "published" && r.attempts === 0),
      JSON.stringify(states),
    );
  });
});
