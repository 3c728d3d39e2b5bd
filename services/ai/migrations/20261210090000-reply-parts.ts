import { Migration } from "@atendo/db";

/**
 * How many messages each reply sent, so the plan's monthly AI messages count replies that said
 * something (a silent handoff or a failed call sends nothing), with an index for that count.
 */
export class Migration20261210090000ReplyParts extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table ai.usage_records add column reply_parts integer not null default 0");
    this.addSql(
      "alter table ai.usage_records add constraint usage_records_reply_parts_check check (reply_parts >= 0)",
    );
    // Older replies did not record their parts; nearly all of them sent one, so they count.
    this.addSql("update ai.usage_records set reply_parts = 1 where operation = 'reply'");
    this.addSql(`create index usage_records_tenant_replies on ai.usage_records (tenant_id, created_at)
      where operation = 'reply' and reply_parts > 0`);
  }
}
