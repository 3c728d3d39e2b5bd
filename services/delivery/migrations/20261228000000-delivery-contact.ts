import { Migration } from "@atendo/db";

/**
 * The contact each message goes to, from OutboundCreated.contact_id, so that every StatusChanged
 * names it (subscribers need no call back to conversation). Null for deliveries recorded before.
 */
export class Migration20261228000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table delivery.deliveries add column contact_id uuid");
  }
}
