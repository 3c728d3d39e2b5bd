import { inboxTableSql, Migration, tenantRls } from "@atendo/db";

// Statuses of a delivery: the MessageStatus values plus SENDING (an attempt is in flight).
const STATUSES = "'PENDING', 'SENDING', 'SENT', 'DELIVERED', 'READ', 'PLAYED', 'FAILED'";
const OUTCOMES = "'ACCEPTED', 'RETRYABLE_FAILURE', 'PERMANENT_FAILURE', 'AUTH_FAILURE', 'SKIPPED'";

export class Migration20261126000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table delivery.deliveries (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      message_id uuid not null unique,
      conversation_id uuid not null,
      channel_id uuid not null,
      channel_type text not null check (channel_type in ('WHATSAPP', 'INSTAGRAM', 'WEB')),
      recipient text not null,
      status text not null default 'PENDING' check (status in (${STATUSES})),
      external_message_id text,
      last_error_code integer,
      last_error_title text,
      last_error_message text,
      last_error_details text,
      last_error_retryable boolean,
      attempt_count integer not null default 0 check (attempt_count >= 0),
      sending_event_id text,
      sending_started_at timestamptz,
      next_attempt_at timestamptz,
      request bytea not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (channel_id, external_message_id))`);
    this.addSql("create index deliveries_workspace on delivery.deliveries (workspace_id, message_id)");
    for (const sql of tenantRls("delivery.deliveries")) this.addSql(sql);

    this.addSql(`create table delivery.attempts (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      delivery_id uuid not null references delivery.deliveries (id) on delete cascade,
      message_id uuid not null,
      conversation_id uuid not null,
      channel_id uuid not null,
      attempt integer not null check (attempt >= 1),
      started_at timestamptz not null,
      duration_ms integer,
      outcome text check (outcome in (${OUTCOMES})),
      http_status integer not null default 0,
      error_code integer,
      error_title text,
      error_message text,
      error_details text,
      retryable boolean,
      external_message_id text,
      response_snippet text,
      unique (delivery_id, attempt))`);
    // ListAttempts: newest first (ids are UUIDv7, so id order is start order) within a workspace.
    this.addSql("create index attempts_workspace_id on delivery.attempts (workspace_id, id desc)");
    for (const sql of tenantRls("delivery.attempts")) this.addSql(sql);

    for (const sql of inboxTableSql("delivery")) this.addSql(sql);
  }
}
