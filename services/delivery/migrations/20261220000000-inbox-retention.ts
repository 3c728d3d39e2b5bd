import { inboxRetentionSql, Migration } from "@atendo/db";

/**
 * The prune function of the inbox (`delivery.prune_processed_events`) for the retention job: the
 * table predates it. Deliveries and attempts get none; they are the tenants' history.
 */
export class Migration20261220000000 extends Migration {
  override async up(): Promise<void> {
    for (const sql of inboxRetentionSql("delivery")) this.addSql(sql);
  }
}
