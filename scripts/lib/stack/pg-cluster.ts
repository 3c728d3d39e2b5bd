// Where a clone's Postgres cluster lives. Postgres refuses to run as root, so a root user's stack
// runs it as the `postgres` system user, which must be able to reach the data folder. The cluster
// stays in the clone (.local/stack/pg) whenever that user can enter the stack folder. A clone in a
// private folder (/root/atendo, anything under `mktemp -d`) gets it under that user's home instead:
// ~postgres/atendo/<clone name>-<hash of the stack folder's path>, so each clone keeps its own
// cluster across runs and `stack:down` finds it again, and the user's own folders are never opened up.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";

export const PG_SYSTEM_USER = "postgres";

export interface PgCluster {
  /** The folder holding the data directory and the server's log. */
  home: string;
  dataDir: string;
  logFile: string;
  /** The system user the server runs as; undefined: the current user. */
  runAs: string | undefined;
  /** The cluster could not stay in the clone (see above). */
  outsideClone: boolean;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Whether `user` can reach `dir` (search permission on it and every folder above it). */
function canEnter(user: string, dir: string): boolean {
  return (
    spawnSync("runuser", ["-u", user, "--", "test", "-x", dir], { cwd: "/", stdio: "ignore" }).status === 0
  );
}

export function systemUserExists(user: string): boolean {
  return spawnSync("getent", ["passwd", user], { stdio: "ignore" }).status === 0;
}

function homeOf(user: string, stackDir: string): string {
  const entry = execFileSync("getent", ["passwd", user]).toString().trim();
  const home = entry.split(":")[5] ?? "";
  let isDir = false;
  try {
    isDir = home !== "" && statSync(home).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new Error(
      `Postgres runs as "${user}", which cannot enter ${stackDir}, and has no home folder to keep the ` +
        `cluster in ("${home}"): set ATENDO_STACK_DIR to a folder "${user}" can reach`,
    );
  }
  return home;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The cluster of the clone at `root` whose stack folder is `stackDir`. */
export function pgClusterOf(root: string, stackDir: string): PgCluster {
  const inClone = { home: stackDir, dataDir: join(stackDir, "pg"), logFile: join(stackDir, "postgres.log") };
  if (!isRoot()) return { ...inClone, runAs: undefined, outsideClone: false };
  if (canEnter(PG_SYSTEM_USER, stackDir)) return { ...inClone, runAs: PG_SYSTEM_USER, outsideClone: false };
  const name = basename(canonical(root)).replace(/[^A-Za-z0-9._-]/g, "_") || "atendo";
  const hash = createHash("sha256").update(canonical(stackDir)).digest("hex").slice(0, 12);
  const home = join(homeOf(PG_SYSTEM_USER, stackDir), "atendo", `${name}-${hash}`);
  return {
    home,
    dataDir: join(home, "pg"),
    logFile: join(home, "postgres.log"),
    runAs: PG_SYSTEM_USER,
    outsideClone: true,
  };
}
