import { inboxRetentionSql, Migration, outboxTableSql, pruneFunctionSql } from "@atendo/db";
import { serviceOnlyFunctionSql } from "./function-grants.js";

/**
 * The outbox: every event of an RPC commits with the change it announces, and the relay publishes
 * it. And retention: the prune functions the retention job calls for the audit consumer's inbox
 * (which predates them), published outbox rows (in outboxTableSql), and verification links and
 * invitations that ended long ago. A link or an invitation is dead once its expiry passed (used,
 * revoked or accepted ones earlier), so both are pruned by `expires_at`; the audit log keeps what
 * happened to them.
 */
export class Migration20261220000000OutboxRetention extends Migration {
  override up(): void {
    for (const sql of outboxTableSql("tenant")) this.addSql(sql);
    for (const sql of inboxRetentionSql("tenant")) this.addSql(sql);
    for (const sql of pruneFunctionSql("tenant", "email_verifications", "expires_at")) this.addSql(sql);
    for (const sql of pruneFunctionSql("tenant", "invitations", "expires_at")) this.addSql(sql);
    // Like every cross-tenant function of the schema: the service role only, never PUBLIC.
    for (const sql of serviceOnlyFunctionSql(OUTBOX_RETENTION_FUNCTIONS)) this.addSql(sql);
  }
}

/** The SECURITY DEFINER functions of this migration, with their signatures (for grants). */
export const OUTBOX_RETENTION_FUNCTIONS = [
  "tenant.outbox_claim(integer, bigint)",
  "tenant.outbox_stats()",
  "tenant.prune_outbox(bigint, integer)",
  "tenant.prune_processed_events(bigint, integer)",
  "tenant.prune_email_verifications(bigint, integer)",
  "tenant.prune_invitations(bigint, integer)",
] as const;
