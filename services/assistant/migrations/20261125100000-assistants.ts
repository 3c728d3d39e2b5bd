import { Migration, tenantRls } from "@atendo/db";

/** Assistants and the channels they answer on (one assistant per channel). */
export class Migration20261125100000Assistants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table assistant.assistants (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      name text not null,
      instructions text not null default '',
      language text not null default 'pt-BR',
      model_provider text not null default 'offline'
        check (model_provider in ('offline', 'openai', 'anthropic')),
      model_name text not null default '',
      temperature double precision check (temperature between 0 and 2),
      max_output_tokens integer not null default 1024 check (max_output_tokens between 1 and 32000),
      buffer_window_ms integer not null default 3000 check (buffer_window_ms between 0 and 60000),
      max_inbound_age_ms integer not null default 86400000
        check (max_inbound_age_ms between 60000 and 604800000),
      handoff_keywords text[] not null default '{}',
      handoff_on_request boolean not null default false,
      handoff_message text not null default '',
      knowledge_base_ids text[] not null default '{}',
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now())`);
    // Names are unique per workspace (case-insensitive): a retried CreateAssistant is detected.
    this.addSql(
      "create unique index assistants_workspace_name on assistant.assistants (workspace_id, lower(name))",
    );
    // Keyset listing: oldest first (ids are UUIDv7, time-ordered).
    this.addSql("create index assistants_workspace_id on assistant.assistants (workspace_id, id)");
    for (const sql of tenantRls("assistant.assistants")) this.addSql(sql);

    this.addSql(`create table assistant.channel_bindings (
      channel_id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      assistant_id uuid not null references assistant.assistants (id) on delete cascade,
      created_at timestamptz not null default now())`);
    this.addSql("create index channel_bindings_assistant on assistant.channel_bindings (assistant_id)");
    for (const sql of tenantRls("assistant.channel_bindings")) this.addSql(sql);
  }
}
