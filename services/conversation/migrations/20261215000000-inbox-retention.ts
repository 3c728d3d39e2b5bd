import { inboxRetentionSql, Migration } from "@atendo/db";

/** The prune function of the inbox (processed_events), which the initial migration predates. */
export class Migration20261215000000InboxRetention extends Migration {
  override async up() {
    for (const s of inboxRetentionSql("conversation")) this.addSql(s);
  }
}
