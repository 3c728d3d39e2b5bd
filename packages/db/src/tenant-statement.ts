import type { MikroORM } from "@mikro-orm/postgresql";
import { TENANT_SETTING } from "./unit-of-work.js";

/**
 * One statement for one tenant in one round trip: `select set_config('app.tenant_id', …, true)`
 * and the statement leave as one simple query, which Postgres runs as one implicit transaction (the
 * setting ends with it, so it cannot leak to the next user of the pooled connection; a failure
 * rolls both back). The parameters (`?`) are inlined by the ORM's own escaping, exactly as
 * `em.execute` sends them. For hot paths where BEGIN, the setting, the statement and COMMIT as four
 * round trips cost more than the statement (ingress's group commits); anything that reads entities
 * or runs several dependent statements uses `withTenant`.
 */
export async function runTenantStatement(
  orm: MikroORM,
  tenantSetting: string,
  sql: string,
  params: readonly unknown[],
  options: TenantStatementOptions = {},
): Promise<void> {
  if (sql.includes(";")) throw new TypeError("runTenantStatement takes one statement (no ';')");
  const asynchronous = options.asynchronousCommit
    ? "select set_config('synchronous_commit', 'off', true); "
    : "";
  // The driver answers a query of several statements without their row counts: none is promised.
  await orm.em
    .getConnection()
    .execute(
      `select set_config('${TENANT_SETTING}', ?, true); ${asynchronous}${sql}`,
      [tenantSetting, ...params],
      "run",
    );
}

export interface TenantStatementOptions {
  /**
   * Commit without waiting for the WAL flush: for writes a crash may lose because something redoes
   * them (ingress's accept marks: the sweeper republishes a row still queued).
   */
  asynchronousCommit?: boolean;
}
