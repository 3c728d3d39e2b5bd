import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { dropAfterCommit, runAfterCommit } from "./after-commit.js";
import type { DbLogger } from "./db-logger.js";

/** The setting every tenant policy reads (see tenant-rls.ts). */
export const TENANT_SETTING = "app.tenant_id";

/**
 * One transaction on a fresh fork: BEGIN, `select set_config('app.tenant_id', $1, true)` (MikroORM's
 * session context, emitted first in the transaction), fn, flush, COMMIT, then the callbacks `fn`
 * registered with afterCommit; ROLLBACK when anything throws.
 * The setting is transaction-local, so it can never leak to the next user of the pooled connection.
 */
export async function runUnitOfWork<T>(
  orm: MikroORM,
  tenantSetting: string,
  fn: (em: EntityManager) => Promise<T>,
  logger: DbLogger | undefined,
): Promise<T> {
  const em = orm.em.fork({ session: { variables: { [TENANT_SETTING]: tenantSetting } } });
  await em.begin();
  try {
    const result = await fn(em);
    await em.commit();
    runAfterCommit(em, logger);
    return result;
  } catch (err) {
    dropAfterCommit(em);
    if (em.isInTransaction()) {
      try {
        await em.rollback();
      } catch (rollbackErr) {
        // The original failure is what the caller needs; a dead connection is discarded by the pool.
        logger?.warn({ err: rollbackErr }, "db: rollback failed");
      }
    }
    throw err;
  }
}
