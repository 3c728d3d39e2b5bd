import type { MigrationEntry } from "@atendo/db";
import { Migration20261125110000Usage } from "./20261125110000-usage.js";

/** Every migration of the `ai` schema, in the order they run. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261125110000Usage", class: Migration20261125110000Usage },
];
