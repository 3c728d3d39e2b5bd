import { inboxRetentionSql, Migration, pruneFunctionSql } from "@atendo/db";

/**
 * Retention (RETENTION_DAYS): the prune functions createRetentionJob calls. Of webhook_events only
 * settled deliveries go, by `received_at`: `accepted` (published) and `rejected` (badly signed).
 * `queued` and `held` rows are work still to do; `failed` rows are deliveries whose events never
 * went out, kept until an operator replays them (then they are `accepted` and age as such). The
 * inbox of the tenant-events consumer goes by `processed_at`.
 */
export class RetentionMigration extends Migration {
  override async up(): Promise<void> {
    // The prune walks the oldest rows first; without it each run would scan the whole table.
    this.addSql("create index webhook_events_received on ingress.webhook_events (received_at)");
    for (const sql of pruneFunctionSql(
      "ingress",
      "webhook_events",
      "received_at",
      "status in ('accepted', 'rejected')",
    )) {
      this.addSql(sql);
    }
    for (const sql of inboxRetentionSql("ingress")) this.addSql(sql);
  }
}
