import { Migration } from "@atendo/db";

const STATUSES = "'PENDING', 'SENDING', 'HELD', 'SENT', 'DELIVERED', 'READ', 'PLAYED', 'FAILED'";

/** HELD deliveries (tenant suspended) and the reactivation that resumes them. */
export class Migration20261201000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table delivery.deliveries drop constraint deliveries_status_check");
    this.addSql(
      `alter table delivery.deliveries add constraint deliveries_status_check check (status in (${STATUSES}))`,
    );
    // The TenantReactivated event that moved the delivery out of HELD, so its redelivery finds them again.
    this.addSql("alter table delivery.deliveries add column resumed_by_event_id text");
    this.addSql("create index deliveries_held on delivery.deliveries (tenant_id) where status = 'HELD'");
    this.addSql(
      `create index deliveries_resumed_by on delivery.deliveries (resumed_by_event_id, message_id)
         where resumed_by_event_id is not null`,
    );
    // The deliveries a reactivation must wait for: sends in flight when it arrived.
    this.addSql(
      "create index deliveries_sending on delivery.deliveries (tenant_id, sending_started_at) where status = 'SENDING'",
    );
  }
}
