import { Migration, pruneFunctionSql } from "@atendo/db";

/**
 * Two more ways a delivery ends: `ignored` (stored and answered 200, but addressed to another
 * number or account: nothing published) and `throttled` (refused with 429 over the tenant's or the
 * channel's rate limit: only its metadata is kept, Meta delivers it again). Both are settled, so
 * retention prunes them with the accepted and rejected ones.
 */
export class IgnoredAndThrottledMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table ingress.webhook_events drop constraint webhook_events_status_check");
    this.addSql(`alter table ingress.webhook_events add constraint webhook_events_status_check
      check (status in ('queued', 'accepted', 'rejected', 'held', 'failed', 'ignored', 'throttled'))`);
    for (const sql of pruneFunctionSql(
      "ingress",
      "webhook_events",
      "received_at",
      "status in ('accepted', 'rejected', 'ignored', 'throttled')",
    )) {
      this.addSql(sql);
    }
  }
}
