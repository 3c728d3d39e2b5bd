// The local stack: finds Postgres, Redis and NATS (JetStream on) on their configured ports, or starts
// them as the current user (Postgres as an unprivileged user when we are root) in .local/stack.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ensureBinaries, tools } from "./system-packages.js";

export interface StackConfig {
  host: string;
  pgPort: number;
  redisPort: number;
  natsPort: number;
  natsMonitorPort: number;
  dataDir: string;
  /** Superuser URL of the Postgres server (used only to create roles and databases). */
  pgAdminUrl: string;
}

export interface StackHandle {
  config: StackConfig;
  /** What this call started (and so what stop() stops). */
  started: Array<"postgres" | "redis" | "nats">;
  stop(): Promise<void>;
}

/** Service names; each gets its own Postgres schema and login role. */
export const SERVICES = ["tenant", "ingress", "conversation", "assistant", "ai", "delivery"] as const;
export type ServiceName = (typeof SERVICES)[number];

const OWNER_ROLE = "atendo_owner";
const PG_SUPERUSER = "atendo_admin";

export function stackConfig(root: string, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const host = env.ATENDO_STACK_HOST ?? "127.0.0.1";
  const pgPort = Number(env.ATENDO_PG_PORT ?? 55432);
  return {
    host,
    pgPort,
    redisPort: Number(env.ATENDO_REDIS_PORT ?? 56379),
    natsPort: Number(env.ATENDO_NATS_PORT ?? 54222),
    natsMonitorPort: Number(env.ATENDO_NATS_MONITOR_PORT ?? 58222),
    dataDir: env.ATENDO_STACK_DIR ?? join(root, ".local", "stack"),
    pgAdminUrl:
      env.ATENDO_PG_ADMIN_URL ?? `postgres://${PG_SUPERUSER}:${PG_SUPERUSER}@${host}:${pgPort}/postgres`,
  };
}

/** Connection settings handed to services and tests. Local credentials only. */
export function stackUrls(cfg: StackConfig, database: string) {
  const pgBase = `${cfg.host}:${cfg.pgPort}/${database}`;
  return {
    database,
    ownerUrl: `postgres://${OWNER_ROLE}:${OWNER_ROLE}@${pgBase}`,
    appUrl: (service: ServiceName) => `postgres://atendo_${service}:atendo_${service}@${pgBase}`,
    redisUrl: `redis://${cfg.host}:${cfg.redisPort}`,
    natsUrl: `nats://${cfg.host}:${cfg.natsPort}`,
  };
}

function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** Reads the first line a server sends on connect (NATS sends INFO {...}). */
function firstLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = "";
    s.setTimeout(2000, () => {
      s.destroy();
      reject(new Error(`no greeting from ${host}:${port}`));
    });
    s.on("data", (d) => {
      buf += d.toString("utf8");
      const i = buf.indexOf("\n");
      if (i >= 0) {
        s.destroy();
        resolve(buf.slice(0, i));
      }
    });
    s.once("error", reject);
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function runAs(user: string | undefined, cmd: string, args: string[]): void {
  if (user) execFileSync("runuser", ["-u", user, "--", cmd, ...args], { stdio: "inherit" });
  else execFileSync(cmd, args, { stdio: "inherit" });
}

async function startPostgres(cfg: StackConfig): Promise<void> {
  const [initdb, pgCtl] = ensureBinaries([tools.initdb, tools.pgCtl, tools.postgres]) as [string, string];
  const dir = join(cfg.dataDir, "pg");
  // PostgreSQL refuses to run as root: use the unprivileged `postgres` user the package creates.
  const asUser = process.getuid?.() === 0 ? "postgres" : undefined;
  const chownTo = (p: string) => {
    if (!asUser) return;
    const uid = Number(execFileSync("id", ["-u", asUser]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", asUser]).toString().trim());
    chownSync(p, uid, gid);
  };
  if (!existsSync(join(dir, "PG_VERSION"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownTo(dir);
    const pwfile = join(cfg.dataDir, "pg-superuser-password");
    writeFileSync(pwfile, `${PG_SUPERUSER}\n`, { mode: 0o600 });
    chownTo(pwfile);
    runAs(asUser, initdb, [
      "-D",
      dir,
      "-U",
      PG_SUPERUSER,
      `--pwfile=${pwfile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
    ]);
    rmSync(pwfile);
  }
  const log = join(cfg.dataDir, "postgres.log");
  if (!existsSync(log)) writeFileSync(log, "");
  chownTo(log);
  const opts = [
    `-p ${cfg.pgPort}`,
    `-c listen_addresses=${cfg.host}`,
    `-c unix_socket_directories=${dir}`,
    "-c max_connections=300",
  ].join(" ");
  runAs(asUser, pgCtl, ["-D", dir, "-l", log, "-o", opts, "-w", "-t", "60", "start"]);
}

async function stopPostgres(cfg: StackConfig): Promise<void> {
  const [pgCtl] = ensureBinaries([tools.pgCtl]) as [string];
  const asUser = process.getuid?.() === 0 ? "postgres" : undefined;
  runAs(asUser, pgCtl, ["-D", join(cfg.dataDir, "pg"), "-m", "fast", "-w", "stop"]);
}

async function startRedis(cfg: StackConfig): Promise<void> {
  const [redis] = ensureBinaries([tools.redis]) as [string];
  const dir = join(cfg.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  execFileSync(redis, [
    "--port",
    String(cfg.redisPort),
    "--bind",
    cfg.host,
    "--dir",
    dir,
    "--daemonize",
    "yes",
    "--pidfile",
    join(dir, "redis.pid"),
    "--logfile",
    join(cfg.dataDir, "redis.log"),
    "--appendonly",
    "yes",
  ]);
  await waitFor("redis", () => portOpen(cfg.host, cfg.redisPort));
}

async function redisCommand(cfg: StackConfig, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: cfg.host, port: cfg.redisPort });
    s.setTimeout(2000, () => {
      s.destroy();
      reject(new Error("redis did not answer"));
    });
    s.once("connect", () => s.write(`${command}\r\n`));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString("utf8"));
    });
    s.once("error", reject);
    s.once("close", () => resolve(""));
  });
}

async function startNats(cfg: StackConfig): Promise<void> {
  const [nats] = ensureBinaries([tools.nats]) as [string];
  const dir = join(cfg.dataDir, "nats");
  mkdirSync(dir, { recursive: true });
  const out = openSync(join(cfg.dataDir, "nats.log"), "a");
  const child = spawn(
    nats,
    [
      "-a",
      cfg.host,
      "-p",
      String(cfg.natsPort),
      "-m",
      String(cfg.natsMonitorPort),
      "-js",
      "-sd",
      dir,
      "-P",
      join(dir, "nats.pid"),
    ],
    { detached: true, stdio: ["ignore", out, out] },
  );
  child.unref();
  await waitFor("nats", () => portOpen(cfg.host, cfg.natsPort));
}

async function stopNats(cfg: StackConfig): Promise<void> {
  const pidFile = join(cfg.dataDir, "nats", "nats.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  await waitFor("nats to stop", async () => !(await portOpen(cfg.host, cfg.natsPort)), 15_000);
}

async function checkNatsJetStream(cfg: StackConfig): Promise<void> {
  const info = await firstLine(cfg.host, cfg.natsPort);
  if (!info.startsWith("INFO ")) throw new Error(`port ${cfg.natsPort} is not a NATS server: ${info}`);
  const parsed = JSON.parse(info.slice(5)) as { jetstream?: boolean };
  if (!parsed.jetstream) {
    throw new Error(`the NATS server on port ${cfg.natsPort} runs without JetStream; restart it with -js`);
  }
}

/** Creates the owner role, one login role per service and the database; idempotent. */
export async function bootstrapDatabase(cfg: StackConfig, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cfg.pgAdminUrl });
  await admin.connect();
  try {
    // atendo_testkit: an app-like role for the shared packages' own tests (e.g. the RLS proof).
    const roles = [OWNER_ROLE, ...SERVICES.map((s) => `atendo_${s}`), "atendo_testkit"];
    for (const role of roles) {
      const exists = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
      // Service roles: no superuser, no BYPASSRLS, own nothing. The owner runs migrations and owns
      // the few SECURITY DEFINER functions that return ids across tenants (e.g. which tenant a
      // channel belongs to), so it bypasses RLS; services never log in as it.
      const rls = role === OWNER_ROLE ? "bypassrls" : "nobypassrls";
      if (exists.rowCount === 0) {
        await admin.query(
          `create role ${role} login password '${role}' nosuperuser ${rls} nocreatedb nocreaterole`,
        );
      } else {
        await admin.query(`alter role ${role} nosuperuser ${rls}`);
      }
    }
    const db = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (db.rowCount === 0) await admin.query(`create database ${database} owner ${OWNER_ROLE}`);
    // Only the owner may create schemas; service roles get USAGE on their own schema from migrations.
    await admin.query(`revoke create on database ${database} from public`);
    await admin.query(`grant connect on database ${database} to ${roles.join(", ")}`);
  } finally {
    await admin.end();
  }
  // PG15 already denies CREATE on public to non-owners; revoke usage so services see only their schema.
  const url = new URL(cfg.pgAdminUrl);
  url.pathname = `/${database}`;
  const inDb = new pg.Client({ connectionString: url.toString() });
  await inDb.connect();
  try {
    await inDb.query("revoke all on schema public from public");
  } finally {
    await inDb.end();
  }
}

export async function stackUp(root: string, databases: string[]): Promise<StackHandle> {
  const cfg = stackConfig(root);
  mkdirSync(cfg.dataDir, { recursive: true });
  const started: StackHandle["started"] = [];

  if (!(await portOpen(cfg.host, cfg.pgPort))) {
    console.error(
      `atendo: starting Postgres on ${cfg.host}:${cfg.pgPort} (data in ${join(cfg.dataDir, "pg")})`,
    );
    await startPostgres(cfg);
    started.push("postgres");
  }
  if (!(await portOpen(cfg.host, cfg.redisPort))) {
    console.error(`atendo: starting Redis on ${cfg.host}:${cfg.redisPort}`);
    await startRedis(cfg);
    started.push("redis");
  } else if (!(await redisCommand(cfg, "PING")).startsWith("+PONG")) {
    throw new Error(`port ${cfg.redisPort} is open but does not answer Redis PING`);
  }
  if (!(await portOpen(cfg.host, cfg.natsPort))) {
    console.error(`atendo: starting NATS with JetStream on ${cfg.host}:${cfg.natsPort}`);
    await startNats(cfg);
    started.push("nats");
  }
  await checkNatsJetStream(cfg);
  for (const d of databases) await bootstrapDatabase(cfg, d);

  return {
    config: cfg,
    started,
    async stop() {
      if (started.includes("nats")) await stopNats(cfg);
      if (started.includes("redis")) await redisCommand(cfg, "SHUTDOWN NOSAVE").catch(() => "");
      if (started.includes("postgres")) await stopPostgres(cfg);
    },
  };
}

export async function stackDown(root: string): Promise<void> {
  const cfg = stackConfig(root);
  if (await portOpen(cfg.host, cfg.natsPort)) await stopNats(cfg);
  if (await portOpen(cfg.host, cfg.redisPort)) await redisCommand(cfg, "SHUTDOWN NOSAVE").catch(() => "");
  if (existsSync(join(cfg.dataDir, "pg", "postmaster.pid"))) await stopPostgres(cfg);
}

export const currentUser = (): string => userInfo().username;
