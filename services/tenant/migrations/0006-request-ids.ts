import { Migration, requestIdsTableSql } from "@atendo/db";
import { serviceOnlyFunctionSql } from "./function-grants.js";

/**
 * Retried creates and actions (AIP-155): the first answer of each request_id, kept with its change
 * under the tenant's row-level security, and pruned by the retention job like the outbox.
 */
export class Migration20261221000000RequestIds extends Migration {
  override up(): void {
    for (const sql of requestIdsTableSql("tenant")) this.addSql(sql);
    for (const sql of serviceOnlyFunctionSql(REQUEST_ID_FUNCTIONS)) this.addSql(sql);
  }
}

/** The SECURITY DEFINER functions of this migration, with their signatures (for grants). */
export const REQUEST_ID_FUNCTIONS = ["tenant.prune_request_ids(bigint, integer)"] as const;
