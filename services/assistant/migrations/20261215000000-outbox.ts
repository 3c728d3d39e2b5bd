import { Migration, outboxTableSql } from "@atendo/db";

/** The outbox: AssistantConfigured and AuditRecorded commit with the change they announce. */
export class Migration20261215000000Outbox extends Migration {
  override async up(): Promise<void> {
    for (const sql of outboxTableSql("assistant")) this.addSql(sql);
  }
}
