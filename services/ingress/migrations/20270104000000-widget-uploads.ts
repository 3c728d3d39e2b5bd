import { Migration, tenantRls } from "@atendo/db";

/**
 * The widget's uploads: one row per reserved attachment, from CreateUpload (pending) through the
 * PUT of its bytes (uploaded: checked and in the media store under `media_id`, derived from the
 * upload and the bytes' SHA-256, so concurrent PUTs of different bytes never overwrite each other's
 * object) to the message that sends it (sent: `message_id`, at most one message per upload). A retried CreateUpload finds
 * its row by request_id; expired pending rows hold no bytes.
 */
export class WidgetUploadsMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table ingress.widget_uploads (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      channel_id uuid not null,
      visitor_id text not null,
      request_id uuid,
      filename text not null,
      declared_mime_type text not null,
      size_bytes bigint not null check (size_bytes > 0),
      kind smallint not null,
      state text not null default 'pending' check (state in ('pending', 'uploaded', 'sent')),
      mime_type text not null default '',
      sha256 text not null default '',
      media_id uuid,
      message_id uuid unique,
      expires_at timestamptz not null,
      created_at timestamptz not null default now())`);
    this.addSql(
      "create unique index widget_uploads_request on ingress.widget_uploads (channel_id, visitor_id, request_id) where request_id is not null",
    );
    for (const sql of tenantRls("ingress.widget_uploads")) this.addSql(sql);
  }
}
