// The local stack: finds Postgres, Redis and NATS (JetStream on) on their configured ports, or starts
// them in the clone's stack folder (.local/stack): Redis and NATS as the current user, Postgres as
// the current user or, for root, as `postgres` in a folder that user can reach (stack/pg-cluster.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bootstrapDatabase, OWNER_ROLE, type ServiceName } from "./stack/bootstrap.js";
import { checkNatsJetStream, startNats, stopNats } from "./stack/nats.js";
import { portOpen } from "./stack/net-probe.js";
import type { PgCluster } from "./stack/pg-cluster.js";
import { PG_SUPERUSER, runningCluster, startPostgres, stopPostgres } from "./stack/postgres.js";
import { redisAnswersPing, startRedis, stopRedis } from "./stack/redis.js";

export type { ServiceName } from "./stack/bootstrap.js";
export { bootstrapDatabase, SERVICES } from "./stack/bootstrap.js";
export type { PgCluster } from "./stack/pg-cluster.js";

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

export type StackPart = "postgres" | "redis" | "nats";

export interface StackHandle {
  config: StackConfig;
  /** What this call started (and so what stop() stops). */
  started: StackPart[];
  /** This clone's Postgres cluster when it runs (undefined: the port is served by another server). */
  postgres: PgCluster | undefined;
  stop(): Promise<void>;
}

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

/** Stops the parts of the stack listed, NATS first, Postgres last. */
async function stopParts(cfg: StackConfig, parts: readonly StackPart[], pg: PgCluster | undefined) {
  if (parts.includes("nats")) await stopNats(cfg);
  if (parts.includes("redis")) await stopRedis(cfg);
  if (parts.includes("postgres") && pg !== undefined) stopPostgres(pg);
}

/**
 * Finds or starts the stack, then creates the roles and `databases`. When a step fails, what this
 * call started is stopped before the error is thrown.
 */
export async function stackUp(
  root: string,
  databases: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackHandle> {
  const cfg = stackConfig(root, env);
  mkdirSync(cfg.dataDir, { recursive: true });
  const started: StackPart[] = [];
  let postgres: PgCluster | undefined;
  try {
    if (!(await portOpen(cfg.host, cfg.pgPort))) {
      console.error(`atendo: starting Postgres on ${cfg.host}:${cfg.pgPort}`);
      postgres = startPostgres(cfg, root);
      started.push("postgres");
      console.error(`atendo: Postgres data in ${postgres.dataDir}${whyThere(postgres, cfg)}`);
    } else {
      postgres = runningCluster(cfg, root);
    }
    if (!(await portOpen(cfg.host, cfg.redisPort))) {
      console.error(`atendo: starting Redis on ${cfg.host}:${cfg.redisPort}`);
      await startRedis(cfg);
      started.push("redis");
    } else if (!(await redisAnswersPing(cfg))) {
      throw new Error(`port ${cfg.redisPort} is open but does not answer Redis PING`);
    }
    if (!(await portOpen(cfg.host, cfg.natsPort))) {
      console.error(`atendo: starting NATS with JetStream on ${cfg.host}:${cfg.natsPort}`);
      await startNats(cfg);
      started.push("nats");
    }
    await checkNatsJetStream(cfg);
    for (const d of databases) await bootstrapDatabase(cfg, d);
  } catch (err) {
    await stopParts(cfg, started, postgres).catch((stopErr: unknown) => {
      console.error(`atendo: could not stop ${started.join(", ")}: ${String(stopErr)}`);
    });
    throw err;
  }
  return { config: cfg, started, postgres, stop: () => stopParts(cfg, started, postgres) };
}

function whyThere(cluster: PgCluster, cfg: StackConfig): string {
  if (!cluster.outsideClone) return "";
  return ` (the "${cluster.runAs}" user it runs as cannot enter ${cfg.dataDir})`;
}

/** Stops whatever runs on the stack's ports, and this clone's Postgres cluster. */
export async function stackDown(root: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cfg = stackConfig(root, env);
  const parts: StackPart[] = [];
  if (await portOpen(cfg.host, cfg.natsPort)) parts.push("nats");
  if (await portOpen(cfg.host, cfg.redisPort)) parts.push("redis");
  const pg = runningCluster(cfg, root);
  if (pg !== undefined) parts.push("postgres");
  await stopParts(cfg, parts, pg);
}
