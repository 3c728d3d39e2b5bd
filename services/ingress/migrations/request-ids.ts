import { Migration, requestIdsTableSql } from "@atendo/db";

/**
 * The request ids of retried RPCs (AIP-155): ReplayWebhookEvent stores its first answer with the
 * replay, so a retry with the same request_id gets it back without publishing again. Pruned by the
 * retention job like the inbox.
 */
export class RequestIdsMigration extends Migration {
  override async up(): Promise<void> {
    for (const sql of requestIdsTableSql("ingress")) this.addSql(sql);
  }
}
