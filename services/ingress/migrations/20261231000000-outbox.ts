import { Migration, outboxTableSql } from "@atendo/db";

/**
 * The outbox for the events ingress makes itself (media stored, widget messages): they commit with
 * the rows they announce. Webhook deliveries keep using their own rows as the outbox.
 */
export class OutboxMigration extends Migration {
  override async up(): Promise<void> {
    for (const sql of outboxTableSql("ingress")) this.addSql(sql);
  }
}
