import { type DbLogger, type MigrationEntry, runMigrations } from "@atendo/db";
import { Migration20260301000000Initial } from "./20260301000000-initial.js";
import { Migration20260301000100GrantLookups } from "./20260301000100-grant-lookups.js";
import { Migration20260310000000Identity } from "./20260310000000-identity.js";
import { Migration20260601000000Verification } from "./20260601000000-verification.js";
import { Migration20261220000000OutboxRetention } from "./20261220000000-outbox-retention.js";
import { Migration20261221000000RequestIds } from "./20261221000000-request-ids.js";
import { Migration20261228000000HistoryImport } from "./20261228000000-history-import.js";
import { tenantRoleGrants } from "./grant-lookups.js";

export const SCHEMA = "tenant";

export const migrations: MigrationEntry[] = [
  { name: "Migration20260301000000_initial", class: Migration20260301000000Initial },
  { name: "Migration20260301000100_grant_lookups", class: Migration20260301000100GrantLookups },
  { name: "Migration20260310000000_identity", class: Migration20260310000000Identity },
  { name: "Migration20260601000000_verification", class: Migration20260601000000Verification },
  { name: "Migration20261220000000_outbox_retention", class: Migration20261220000000OutboxRetention },
  { name: "Migration20261221000000_request_ids", class: Migration20261221000000RequestIds },
  { name: "Migration20261228000000_history_import", class: Migration20261228000000HistoryImport },
];

/** Applies the migrations of schema `tenant` and lets `appRole` call its lookup functions (and
 * keeps the audit log append-only for it), all under the schema's migration lock. */
export async function migrate(options: {
  ownerUrl: string;
  appRole: string;
  logger?: DbLogger;
}): Promise<{ applied: string[] }> {
  return runMigrations({
    ownerUrl: options.ownerUrl,
    schema: SCHEMA,
    appRole: options.appRole,
    migrations,
    roleGrants: tenantRoleGrants,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
