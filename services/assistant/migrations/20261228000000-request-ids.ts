import { Migration, requestIdsTableSql } from "@atendo/db";

/** Request ids (AIP-155): a retried CreateAssistant or BindChannel gets the first response back. */
export class Migration20261228000000RequestIds extends Migration {
  override async up(): Promise<void> {
    for (const sql of requestIdsTableSql("assistant")) this.addSql(sql);
  }
}
