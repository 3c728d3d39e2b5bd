import { Migration, tenantRls } from "@atendo/db";

/**
 * The web-chat widget's own tables: sessions (one per token), visitors (one per channel and visitor
 * id: the thread every session of that visitor shows) and the thread's messages in both directions.
 * Each visitor row numbers its messages itself (`last_seq`, bumped under the row's lock), so a
 * thread's sequence commits in order and a stream reading "after seq n" never skips a message that
 * committed late.
 */
export class WidgetMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table ingress.widget_visitors (
      tenant_id uuid not null,
      channel_id uuid not null,
      visitor_id text not null,
      verified boolean not null default false,
      last_seq bigint not null default 0,
      contact_id uuid,
      conversation_id uuid,
      created_at timestamptz not null default now(),
      primary key (channel_id, visitor_id))`);
    // Replies name the conversation's contact; this finds its thread.
    this.addSql("create index widget_visitors_contact on ingress.widget_visitors (channel_id, contact_id)");
    for (const sql of tenantRls("ingress.widget_visitors")) this.addSql(sql);

    this.addSql(`create table ingress.widget_sessions (
      id uuid primary key,
      tenant_id uuid not null,
      channel_id uuid not null,
      visitor_id text not null,
      verified boolean not null,
      name text not null default '',
      email text not null default '',
      start_request_id uuid,
      created_at timestamptz not null default now())`);
    // A retried StartSession (same request_id on the channel) finds its first session.
    this.addSql(
      "create unique index widget_sessions_request on ingress.widget_sessions (channel_id, start_request_id) where start_request_id is not null",
    );
    for (const sql of tenantRls("ingress.widget_sessions")) this.addSql(sql);

    this.addSql(`create table ingress.widget_messages (
      id uuid primary key,
      tenant_id uuid not null,
      channel_id uuid not null,
      visitor_id text not null,
      seq bigint not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      sender_kind integer not null,
      sender_name text not null default '',
      request_id uuid,
      conversation_message_id uuid,
      content bytea not null,
      status integer not null default 0,
      created_at timestamptz not null default now(),
      unique (channel_id, visitor_id, seq))`);
    // SendMessage retried with its request_id; a reply consumed twice (durable and listeners).
    this.addSql(
      "create unique index widget_messages_request on ingress.widget_messages (channel_id, visitor_id, request_id) where request_id is not null",
    );
    this.addSql(
      "create unique index widget_messages_conversation_message on ingress.widget_messages (conversation_message_id) where conversation_message_id is not null",
    );
    for (const sql of tenantRls("ingress.widget_messages")) this.addSql(sql);
  }
}
