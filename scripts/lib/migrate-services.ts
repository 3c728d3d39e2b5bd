// Runs every service's migrations (services/<name>/migrations/index.ts) as atendo_owner, the same
// runner each service uses at start when MIGRATION_DATABASE_URL is set.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DbLogger, MigrationEntry } from "@atendo/db";
import { runMigrations } from "@atendo/db";
import type { ServiceName, StackConfig } from "./stack.js";
import { SERVICES, stackUrls } from "./stack.js";

export interface MigrationReport {
  service: ServiceName;
  /** Names applied by this run; empty when the schema was up to date. */
  applied: string[];
  /** False when the service has no migrations/index.ts yet. */
  found: boolean;
}

function isMigrationList(value: unknown): value is MigrationEntry[] {
  return (
    Array.isArray(value) &&
    value.every(
      (m: unknown) =>
        typeof m === "object" &&
        m !== null &&
        typeof (m as { name?: unknown }).name === "string" &&
        typeof (m as { class?: unknown }).class === "function",
    )
  );
}

/** Loads `migrations` from a service's migrations/index.ts; undefined when the file is missing. */
export async function loadMigrations(
  root: string,
  service: ServiceName,
): Promise<MigrationEntry[] | undefined> {
  const file = join(root, "services", service, "migrations", "index.ts");
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { migrations?: unknown };
  if (!isMigrationList(mod.migrations)) {
    throw new Error(`${file} must export \`migrations: MigrationEntry[]\``);
  }
  return mod.migrations;
}

export async function migrateServices(options: {
  root: string;
  stack: StackConfig;
  database: string;
  services?: readonly ServiceName[];
  logger?: DbLogger;
}): Promise<MigrationReport[]> {
  const urls = stackUrls(options.stack, options.database);
  const reports: MigrationReport[] = [];
  for (const service of options.services ?? SERVICES) {
    const migrations = await loadMigrations(options.root, service);
    if (migrations === undefined) {
      reports.push({ service, applied: [], found: false });
      continue;
    }
    const { applied } = await runMigrations({
      ownerUrl: urls.ownerUrl,
      schema: service,
      appRole: `atendo_${service}`,
      migrations,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    reports.push({ service, applied, found: true });
  }
  return reports;
}
