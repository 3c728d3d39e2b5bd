import { Migration, pruneFunctionSql } from "@atendo/db";

/** An early change whose message never comes is dropped by the retention job after RETENTION_DAYS. */
export class Migration20261228000100EarlyChangesRetention extends Migration {
  override async up() {
    this.addSql("create index early_changes_created_at on conversation.early_changes (created_at)");
    for (const s of pruneFunctionSql("conversation", "early_changes", "created_at")) this.addSql(s);
  }
}
