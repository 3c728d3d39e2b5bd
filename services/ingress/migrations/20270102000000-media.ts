import { Migration, tenantRls } from "@atendo/db";
import { mediaObjectsTableSql } from "@atendo/media";

/**
 * Media fetched from the channels: `media` records each attempt's outcome once per message (the
 * fetcher's idempotency key is the unique (channel_id, external_message_id)), `media_objects` holds
 * the bytes when MEDIA_STORE=postgres (bytea: fine for small deployments; S3 for large volumes).
 */
export class MediaMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table ingress.media (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      channel_id uuid not null,
      channel_type smallint not null,
      external_message_id text not null,
      state text not null check (state in ('stored', 'failed')),
      mime_type text not null default '',
      size_bytes bigint not null default 0 check (size_bytes >= 0),
      sha256 text not null default '',
      failure_reason text not null default '',
      store text not null default '' check (store in ('', 'postgres', 's3')),
      created_at timestamptz not null default now(),
      unique (channel_id, external_message_id))`);
    for (const sql of tenantRls("ingress.media")) this.addSql(sql);
    for (const sql of mediaObjectsTableSql("ingress")) this.addSql(sql);
  }
}
