// The local stack of a clone in a private folder (0700, like /root/atendo or anything under
// `mktemp -d`), on free ports. As root, Postgres runs as the `postgres` user, which cannot enter
// such a folder: its cluster must live where that user can reach it, the folder must stay private,
// and everything started must be stopped again, also when a later step of the start fails.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import pg from "pg";
import { portOpen } from "../scripts/lib/stack/net-probe.js";
import { pgClusterOf } from "../scripts/lib/stack/pg-cluster.js";
import { type StackHandle, stackConfig, stackDown, stackUp, stackUrls } from "../scripts/lib/stack.js";
import { freePorts } from "./support/free-ports.js";

const DATABASE = "atendo_probe";
const isRoot = process.getuid?.() === 0;

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("the local stack of a clone in a private (0700) folder", function () {
  this.timeout(180_000);
  const parent = mkdtempSync(join(tmpdir(), "atendo-private-"));
  const root = join(parent, "atendo");
  let env: NodeJS.ProcessEnv = {};
  let stack: StackHandle | undefined;

  const cfg = () => stackConfig(root, env);
  const closed = async (): Promise<string[]> => {
    const c = cfg();
    const open: string[] = [];
    for (const [name, port] of [
      ["postgres", c.pgPort],
      ["redis", c.redisPort],
      ["nats", c.natsPort],
    ] as const) {
      if (await portOpen(c.host, port)) open.push(name);
    }
    return open;
  };

  before(async () => {
    mkdirSync(root);
    const [pgPort, redisPort, natsPort, monitorPort] = await freePorts(4);
    env = {
      ...process.env,
      ATENDO_PG_PORT: String(pgPort),
      ATENDO_REDIS_PORT: String(redisPort),
      ATENDO_NATS_PORT: String(natsPort),
      ATENDO_NATS_MONITOR_PORT: String(monitorPort),
    };
    for (const name of ["ATENDO_STACK_DIR", "ATENDO_PG_ADMIN_URL", "ATENDO_STACK_HOST"]) delete env[name];
  });

  after(async () => {
    // Whatever the tests left behind (a failed assertion stops nothing by itself).
    await stack?.stop();
    await stackDown(root, env);
    const cluster = pgClusterOf(root, cfg().dataDir);
    if (cluster.outsideClone) rmSync(cluster.home, { recursive: true, force: true });
    rmSync(parent, { recursive: true, force: true });
  });

  it("stops what it started when a later step fails", async () => {
    // Something that is not NATS holds NATS's port: Postgres and Redis start, then the check fails.
    const impostor: Server = createServer((socket) => {
      socket.on("error", () => undefined); // port probes hang up at once
      socket.end("HELLO\r\n");
    });
    await new Promise<void>((resolve) => impostor.listen(cfg().natsPort, cfg().host, resolve));
    try {
      await assert.rejects(stackUp(root, [DATABASE], env), /is not a NATS server/);
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
    assert.deepEqual(await closed(), [], "no server of the failed start is left running");
  });

  it("runs Postgres where its user can reach it, bootstraps the database and stops", async () => {
    stack = await stackUp(root, [DATABASE], env);
    assert.deepEqual(stack.started, ["postgres", "redis", "nats"]);
    const cluster = stack.postgres;
    assert.ok(cluster, "the handle says where the cluster lives");
    if (isRoot) {
      assert.equal(cluster.runAs, "postgres");
      assert.equal(cluster.outsideClone, true);
      assert.ok(
        !cluster.dataDir.startsWith(`${parent}/`),
        `${cluster.dataDir} is outside the private folder`,
      );
    } else {
      assert.equal(cluster.dataDir, join(root, ".local", "stack", "pg"));
    }
    assert.equal(statSync(parent).mode & 0o777, 0o700, "the private folder stays private");

    const urls = stackUrls(stack.config, DATABASE);
    const [who] = await query<{ user: string; db: string }>(
      urls.ownerUrl,
      "select current_user as user, current_database() as db",
    );
    assert.deepEqual(who, { user: "atendo_owner", db: DATABASE });
    await query(
      urls.ownerUrl,
      "create table kept (note text); insert into kept values ('from the first run')",
    );
    const [svc] = await query<{ user: string; create: boolean }>(
      urls.appUrl("tenant"),
      "select current_user as user, has_schema_privilege('public', 'create') as create",
    );
    assert.deepEqual(svc, { user: "atendo_tenant", create: false }, "service roles get nothing in public");

    const redis = new Redis(urls.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    assert.equal(await redis.ping(), "PONG");
    redis.disconnect();
    const nc = await connect({ servers: urls.natsUrl });
    const account = await (await jetstreamManager(nc)).getAccountInfo();
    assert.equal(typeof account.streams, "number", "JetStream answers");
    await nc.close();

    await stack.stop();
    stack = undefined;
    assert.deepEqual(await closed(), []);
    assert.ok(!existsSync(join(cluster.dataDir, "postmaster.pid")), "Postgres is stopped");
  });

  it("finds the same cluster with its data on the next start, and stack:down stops it", async () => {
    stack = await stackUp(root, [DATABASE], env);
    const rows = await query<{ note: string }>(
      stackUrls(stack.config, DATABASE).ownerUrl,
      "select note from kept",
    );
    assert.deepEqual(rows, [{ note: "from the first run" }]);
    stack = undefined;
    await stackDown(root, env);
    assert.deepEqual(await closed(), [], "stack:down found and stopped every part");
  });
});
