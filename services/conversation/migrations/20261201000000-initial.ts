import { inboxTableSql, Migration, tenantRls } from "@atendo/db";

const OPEN = "status <> 'RESOLVED'";

/** Contacts, conversations, messages, the inbox of handled events and the pending-turn finder. */
export class Migration20261201000000Initial extends Migration {
  override async up() {
    this.addSql(`create table conversation.contacts (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      channel_id uuid not null,
      channel_type text not null check (channel_type in ('WHATSAPP', 'INSTAGRAM', 'WEB')),
      external_id text not null,
      display_name text not null default '',
      name text not null default '',
      email text not null default '',
      phone text not null default '',
      username text not null default '',
      attributes jsonb not null default '{}'::jsonb,
      tags text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_seen_at timestamptz,
      constraint contacts_channel_external unique (channel_id, external_id))`);
    this.addSql("create index contacts_workspace on conversation.contacts (workspace_id, id)");

    this.addSql(`create table conversation.conversations (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      channel_id uuid not null,
      channel_type text not null check (channel_type in ('WHATSAPP', 'INSTAGRAM', 'WEB')),
      contact_id uuid not null references conversation.contacts (id) on delete cascade,
      status text not null check (status in ('OPEN', 'PENDING_HUMAN', 'RESOLVED')),
      handler text not null check (handler in ('AI', 'HUMAN')),
      assignee_user_id uuid,
      assistant_id uuid,
      turn_epoch int not null default 0,
      answered_epoch int not null default 0,
      flushed_epoch int not null default 0,
      turn_event_id uuid,
      last_message_at timestamptz not null,
      last_inbound_at timestamptz,
      last_message_preview text not null default '',
      unread_count int not null default 0 check (unread_count >= 0),
      tags text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      resolved_at timestamptz,
      check (answered_epoch <= turn_epoch))`);
    // At most one open (not resolved) conversation per contact on a channel.
    this.addSql(
      `create unique index conversations_one_open on conversation.conversations (channel_id, contact_id) where ${OPEN}`,
    );
    this.addSql(
      "create index conversations_inbox on conversation.conversations (workspace_id, last_message_at desc, id desc)",
    );
    this.addSql(
      "create index conversations_contact on conversation.conversations (contact_id, created_at desc)",
    );
    // What the sweep looks for: AI turns that were never handed to the flusher's TurnReady.
    this.addSql(`create index conversations_pending_turns on conversation.conversations (last_inbound_at)
      where handler = 'AI' and ${OPEN} and turn_epoch > flushed_epoch and turn_epoch > answered_epoch`);

    this.addSql(`create table conversation.messages (
      id uuid primary key,
      tenant_id uuid not null,
      conversation_id uuid not null references conversation.conversations (id) on delete cascade,
      channel_id uuid not null,
      direction text not null check (direction in ('INBOUND', 'OUTBOUND')),
      sender_kind text not null check (sender_kind in ('CONTACT', 'AI', 'AGENT', 'SYSTEM')),
      sender_id text not null default '',
      external_id text,
      content bytea not null,
      text text not null default '',
      raw text not null default '',
      status text check (status in ('PENDING', 'SENT', 'DELIVERED', 'READ', 'PLAYED', 'FAILED')),
      error bytea,
      turn_epoch int not null default 0,
      answerable boolean not null default false,
      answered_at timestamptz,
      reply_to_message_id uuid,
      citations jsonb not null default '[]'::jsonb,
      client_message_id uuid,
      part_index int not null default 0,
      part_count int not null default 1,
      source_event_id text not null default '',
      correlation_id text not null default '',
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      sort_at timestamptz not null,
      status_updated_at timestamptz)`);
    this.addSql(
      "create unique index messages_channel_external on conversation.messages (channel_id, external_id) where external_id is not null",
    );
    this.addSql(
      "create unique index messages_client_id on conversation.messages (conversation_id, client_message_id) where client_message_id is not null",
    );
    this.addSql("create index messages_timeline on conversation.messages (conversation_id, sort_at, id)");
    this.addSql(`create index messages_unanswered on conversation.messages (conversation_id, sort_at, id)
      where direction = 'INBOUND' and answerable and answered_at is null`);

    for (const table of ["contacts", "conversations", "messages"]) {
      for (const s of tenantRls(`conversation.${table}`)) this.addSql(s);
    }
    for (const s of inboxTableSql("conversation")) this.addSql(s);

    // The sweep must find pending turns of every tenant, which RLS hides from the service role. This
    // function (owned by atendo_owner, which bypasses RLS) answers with ids only; each id is then
    // read inside that tenant's own transaction.
    this.addSql(`create function conversation.pending_turns(
        p_inbound_before timestamptz, p_inbound_after timestamptz, p_limit int)
      returns table (tenant_id uuid, conversation_id uuid)
      language sql stable security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select c.tenant_id, c.id
        from conversation.conversations c
        where c.handler = 'AI' and c.${OPEN}
          and c.turn_epoch > c.flushed_epoch and c.turn_epoch > c.answered_epoch
          and c.last_inbound_at < p_inbound_before and c.last_inbound_at >= p_inbound_after
        order by c.last_inbound_at
        limit p_limit
      $$`);
  }
}
