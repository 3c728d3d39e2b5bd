import type { MigrationEntry } from "@atendo/db";
import { Migration20261126000000 } from "./20261126000000-create-deliveries.js";
import { Migration20261201000000 } from "./20261201000000-hold-deliveries.js";
import { Migration20261210000000 } from "./20261210000000-reconcile-held.js";
import { Migration20261220000000 } from "./20261220000000-inbox-retention.js";
import { Migration20261228000000 } from "./20261228000000-delivery-contact.js";

export const migrations: MigrationEntry[] = [
  { name: "Migration20261126000000_create_deliveries", class: Migration20261126000000 },
  { name: "Migration20261201000000_hold_deliveries", class: Migration20261201000000 },
  { name: "Migration20261210000000_reconcile_held", class: Migration20261210000000 },
  { name: "Migration20261220000000_inbox_retention", class: Migration20261220000000 },
  { name: "Migration20261228000000_delivery_contact", class: Migration20261228000000 },
];
