import { Migration, requestIdsTableSql } from "@atendo/db";

/** Request ids (AIP-155): a retried TestAssistant gets its first answer back, paid once. */
export class Migration20261228000000RequestIds extends Migration {
  override async up(): Promise<void> {
    for (const sql of requestIdsTableSql("ai")) this.addSql(sql);
  }
}
