import type { MigrationEntry } from "@atendo/db";
import { Migration20261125100000Assistants } from "./20261125100000-assistants.js";
import { Migration20261215000000Outbox } from "./20261215000000-outbox.js";
import { Migration20261228000000RequestIds } from "./20261228000000-request-ids.js";
import { Migration20261228000100AssistantVersions } from "./20261228000100-assistant-versions.js";

/** Every migration of the `assistant` schema, in the order they run. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261125100000Assistants", class: Migration20261125100000Assistants },
  { name: "Migration20261215000000Outbox", class: Migration20261215000000Outbox },
  { name: "Migration20261228000000RequestIds", class: Migration20261228000000RequestIds },
  { name: "Migration20261228000100AssistantVersions", class: Migration20261228000100AssistantVersions },
];
