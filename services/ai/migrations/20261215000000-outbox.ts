import { inboxRetentionSql, Migration, outboxTableSql } from "@atendo/db";

/**
 * The outbox (UsageRecorded of TestAssistant commits with its usage record) and the inbox's prune
 * function, which the inbox predates.
 */
export class Migration20261215000000Outbox extends Migration {
  override async up(): Promise<void> {
    for (const sql of outboxTableSql("ai")) this.addSql(sql);
    for (const sql of inboxRetentionSql("ai")) this.addSql(sql);
  }
}
