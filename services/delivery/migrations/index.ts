import type { MigrationEntry } from "@atendo/db";
import { Migration20261126000000 } from "./20261126000000-create-deliveries.js";

export const migrations: MigrationEntry[] = [
  { name: "Migration20261126000000_create_deliveries", class: Migration20261126000000 },
];
