// Finds the system binaries the local stack needs and installs missing ones from the system's
// packages (Debian/Ubuntu, as root); otherwise says exactly what to install.
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface SystemTool {
  /** Executable name. */
  bin: string;
  /** Debian/Ubuntu package that provides it. */
  debPackage: string;
  /** Directories searched besides PATH (Debian keeps Postgres binaries off PATH). */
  extraDirs?: () => string[];
}

export const postgresDirs = (): string[] => {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, "bin"));
};

export const tools = {
  protoc: { bin: "protoc", debPackage: "protobuf-compiler" },
  postgres: { bin: "postgres", debPackage: "postgresql", extraDirs: postgresDirs },
  initdb: { bin: "initdb", debPackage: "postgresql", extraDirs: postgresDirs },
  pgCtl: { bin: "pg_ctl", debPackage: "postgresql", extraDirs: postgresDirs },
  redis: { bin: "redis-server", debPackage: "redis-server" },
  nats: { bin: "nats-server", debPackage: "nats-server" },
  // The browser of the widget page's test (driven by playwright-core, which downloads nothing).
  chromium: { bin: "chromium", debPackage: "chromium" },
} satisfies Record<string, SystemTool>;

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBinary(tool: SystemTool): string | undefined {
  // Postgres: prefer the versioned Debian dir so initdb/pg_ctl/postgres match.
  const dirs = [...(tool.extraDirs?.() ?? []), ...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
  for (const d of dirs) {
    if (d && executable(join(d, tool.bin))) return join(d, tool.bin);
  }
  return undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;
const isDebian = (): boolean => existsSync("/etc/debian_version") && existsSync("/usr/bin/apt-get");

/** Installs Debian packages as root; throws with the exact command otherwise. */
export function installDebPackages(pkgs: string[]): void {
  const command = `apt-get install -y ${pkgs.join(" ")}`;
  if (!isRoot() || !isDebian()) {
    throw new Error(
      `missing system packages: ${pkgs.join(", ")}.\n` +
        (isDebian()
          ? `Install them with:  sudo ${command}`
          : `Install ${pkgs.join(", ")} with your system's package manager and put them on PATH.`),
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  console.error(`atendo: installing ${pkgs.join(" ")} from the system's packages`);
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
  } catch {
    // Package lists may be missing or stale on a fresh machine.
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
  }
}

export function ensureBinaries(list: SystemTool[]): string[] {
  const missing = [...new Set(list.filter((t) => !findBinary(t)).map((t) => t.debPackage))];
  if (missing.length > 0) installDebPackages(missing);
  return list.map((t) => {
    const found = findBinary(t);
    if (!found) throw new Error(`${t.bin} not found after installing ${t.debPackage}`);
    return found;
  });
}

export function ensureProtoc(): string {
  const [protoc] = ensureBinaries([tools.protoc]);
  return protoc as string;
}

export function ensureChromium(): string {
  const [chromium] = ensureBinaries([tools.chromium]);
  return chromium as string;
}
