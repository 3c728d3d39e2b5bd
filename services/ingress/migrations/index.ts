import type { MigrationEntry } from "@atendo/db";
import { HeldAndInboxMigration } from "./held-and-inbox.js";
import { OutboxAttemptsMigration } from "./outbox-attempts.js";
import { RequestIdsMigration } from "./request-ids.js";
import { RetentionMigration } from "./retention.js";
import { WebhookEventsMigration } from "./webhook-events.js";

/** In the order they run; names are recorded in ingress.mikro_orm_migrations. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261125000000_webhook_events", class: WebhookEventsMigration },
  { name: "Migration20261201000000_held_and_inbox", class: HeldAndInboxMigration },
  { name: "Migration20261207000000_outbox_attempts", class: OutboxAttemptsMigration },
  { name: "Migration20261220000000_retention", class: RetentionMigration },
  { name: "Migration20261228000000_request_ids", class: RequestIdsMigration },
];
