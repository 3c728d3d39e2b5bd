import type { MigrationEntry } from "@atendo/db";
import { Migration20261125110000Usage } from "./20261125110000-usage.js";
import { Migration20261210090000ReplyParts } from "./20261210090000-reply-parts.js";
import { Migration20261215000000Outbox } from "./20261215000000-outbox.js";
import { Migration20261228000000RequestIds } from "./20261228000000-request-ids.js";

/** Every migration of the `ai` schema, in the order they run. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261125110000Usage", class: Migration20261125110000Usage },
  { name: "Migration20261210090000ReplyParts", class: Migration20261210090000ReplyParts },
  { name: "Migration20261215000000Outbox", class: Migration20261215000000Outbox },
  { name: "Migration20261228000000RequestIds", class: Migration20261228000000RequestIds },
];
