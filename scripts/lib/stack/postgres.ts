// Postgres of the local stack: one cluster per clone (see pg-cluster.ts for where), initialised on
// first start with the superuser atendo_admin, started and stopped with pg_ctl.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../stack.js";
import { ensureBinaries, tools } from "../system-packages.js";
import { PG_SYSTEM_USER, type PgCluster, pgClusterOf, systemUserExists } from "./pg-cluster.js";

export const PG_SUPERUSER = "atendo_admin";

/** Runs a Postgres tool as the cluster's user; its chatter is shown only when it fails. */
function run(cluster: PgCluster, cmd: string, args: string[]): void {
  const [file, argv] = cluster.runAs ? ["runuser", ["-u", cluster.runAs, "--", cmd, ...args]] : [cmd, args];
  // The server's user may not be able to enter the current folder: run from the cluster's own.
  const cwd = existsSync(cluster.home) ? cluster.home : "/";
  const res = spawnSync(file, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (res.status !== 0) {
    const output = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim();
    const why = res.error?.message ?? `exit code ${res.status}`;
    throw new Error(`${[file, ...argv].join(" ")} failed (${why}):\n${output}`);
  }
}

function chownTo(cluster: PgCluster, path: string): void {
  if (!cluster.runAs) return;
  const uid = Number(execFileSync("id", ["-u", cluster.runAs]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", cluster.runAs]).toString().trim());
  chownSync(path, uid, gid);
}

function initCluster(cluster: PgCluster, initdb: string): void {
  rmSync(cluster.dataDir, { recursive: true, force: true });
  mkdirSync(cluster.dataDir, { recursive: true, mode: 0o700 });
  chownTo(cluster, cluster.dataDir);
  const pwfile = join(cluster.home, "pg-superuser-password");
  writeFileSync(pwfile, `${PG_SUPERUSER}\n`, { mode: 0o600 });
  chownTo(cluster, pwfile);
  try {
    run(cluster, initdb, [
      "-D",
      cluster.dataDir,
      "-U",
      PG_SUPERUSER,
      `--pwfile=${pwfile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
    ]);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts (initialising it first when new) the clone's cluster; returns where it lives. */
export function startPostgres(cfg: StackConfig, root: string): PgCluster {
  // Installing the binaries also creates the `postgres` user the cluster's location depends on.
  const [initdb, pgCtl] = ensureBinaries([tools.initdb, tools.pgCtl, tools.postgres]) as [string, string];
  const cluster = pgClusterOf(root, cfg.dataDir);
  if (cluster.outsideClone) {
    run(cluster, "mkdir", ["-p", "-m", "700", cluster.home]);
    // For whoever cleans up ~postgres/atendo: which stack this cluster belongs to.
    writeFileSync(join(cluster.home, "stack-dir"), `${cfg.dataDir}\n`);
  }
  if (!existsSync(join(cluster.dataDir, "PG_VERSION"))) initCluster(cluster, initdb);
  if (!existsSync(cluster.logFile)) writeFileSync(cluster.logFile, "");
  chownTo(cluster, cluster.logFile);
  const opts = [
    `-p ${cfg.pgPort}`,
    `-c listen_addresses=${cfg.host}`,
    `-c unix_socket_directories=${cluster.dataDir}`,
    "-c max_connections=300",
  ].join(" ");
  run(cluster, pgCtl, ["-D", cluster.dataDir, "-l", cluster.logFile, "-o", opts, "-w", "-t", "60", "start"]);
  return cluster;
}

/** The clone's cluster when it is running; undefined otherwise (none, or it cannot be located). */
export function runningCluster(cfg: StackConfig, root: string): PgCluster | undefined {
  if (process.getuid?.() === 0 && !systemUserExists(PG_SYSTEM_USER)) return undefined;
  try {
    const cluster = pgClusterOf(root, cfg.dataDir);
    return existsSync(join(cluster.dataDir, "postmaster.pid")) ? cluster : undefined;
  } catch {
    return undefined;
  }
}

export function stopPostgres(cluster: PgCluster): void {
  const [pgCtl] = ensureBinaries([tools.pgCtl]) as [string];
  run(cluster, pgCtl, ["-D", cluster.dataDir, "-m", "fast", "-w", "stop"]);
}
