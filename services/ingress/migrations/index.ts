import type { MigrationEntry } from "@atendo/db";
import { WebhookEventsMigration } from "./20261125000000-webhook-events.js";
import { HeldAndInboxMigration } from "./20261201000000-held-and-inbox.js";
import { OutboxAttemptsMigration } from "./20261207000000-outbox-attempts.js";
import { RetentionMigration } from "./20261220000000-retention.js";
import { RequestIdsMigration } from "./20261228000000-request-ids.js";
import { OutboxMigration } from "./20261231000000-outbox.js";
import { IgnoredAndThrottledMigration } from "./20270101000000-ignored-and-throttled.js";
import { MediaMigration } from "./20270102000000-media.js";
import { WidgetMigration } from "./20270103000000-widget.js";
import { WidgetUploadsMigration } from "./20270104000000-widget-uploads.js";
import { WidgetVersionsMigration } from "./20270105000000-widget-versions.js";

/** In the order they run; names are recorded in ingress.mikro_orm_migrations. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261125000000_webhook_events", class: WebhookEventsMigration },
  { name: "Migration20261201000000_held_and_inbox", class: HeldAndInboxMigration },
  { name: "Migration20261207000000_outbox_attempts", class: OutboxAttemptsMigration },
  { name: "Migration20261220000000_retention", class: RetentionMigration },
  { name: "Migration20261228000000_request_ids", class: RequestIdsMigration },
  { name: "Migration20261231000000_outbox", class: OutboxMigration },
  { name: "Migration20270101000000_ignored_and_throttled", class: IgnoredAndThrottledMigration },
  { name: "Migration20270102000000_media", class: MediaMigration },
  { name: "Migration20270103000000_widget", class: WidgetMigration },
  { name: "Migration20270104000000_widget_uploads", class: WidgetUploadsMigration },
  { name: "Migration20270105000000_widget_versions", class: WidgetVersionsMigration },
];
