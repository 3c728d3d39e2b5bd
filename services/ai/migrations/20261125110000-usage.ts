import { inboxTableSql, Migration, tenantRls } from "@atendo/db";

/** The TurnReady inbox and the usage ledger of model calls. */
export class Migration20261125110000Usage extends Migration {
  override async up(): Promise<void> {
    for (const sql of inboxTableSql("ai")) this.addSql(sql);

    this.addSql(`create table ai.usage_records (
      id uuid primary key,
      tenant_id uuid not null,
      workspace_id uuid not null,
      assistant_id uuid,
      conversation_id uuid,
      operation text not null check (operation in ('reply', 'embedding', 'interpretation', 'test')),
      provider text not null check (provider in ('offline', 'openai', 'anthropic')),
      model text not null,
      input_tokens bigint not null default 0,
      output_tokens bigint not null default 0,
      cached_input_tokens bigint not null default 0,
      cost_currency text not null default 'USD',
      cost_nanos bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now())`);
    // One record per handled event, whatever happens to the inbox row.
    this.addSql(
      "create unique index usage_records_source_event on ai.usage_records (source_event_id) where source_event_id is not null",
    );
    this.addSql(
      "create index usage_records_workspace_created on ai.usage_records (workspace_id, created_at)",
    );
    for (const sql of tenantRls("ai.usage_records")) this.addSql(sql);
  }
}
