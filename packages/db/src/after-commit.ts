import type { EntityManager } from "@mikro-orm/postgresql";
import type { DbLogger } from "./db-logger.js";

// Callbacks wait on the unit of work's own EntityManager; weakly held, so a unit of work that never
// reaches its commit leaves nothing behind.
const pending = new WeakMap<EntityManager, Array<() => void>>();

/**
 * Runs `fn` once the unit of work of `em` (the EntityManager `db.withTenant` / `db.withoutTenant`
 * gave you) has committed; never when it rolls back. For nudges that must not fire before the data
 * is visible to others (waking an outbox relay). `fn` must be quick and must not throw: it runs
 * after the commit, where nothing can be undone; an error is logged.
 */
export function afterCommit(em: EntityManager, fn: () => void): void {
  const list = pending.get(em);
  if (list === undefined) pending.set(em, [fn]);
  else list.push(fn);
}

/** Called by the unit of work once its COMMIT succeeded. */
export function runAfterCommit(em: EntityManager, logger: DbLogger | undefined): void {
  const list = pending.get(em);
  if (list === undefined) return;
  pending.delete(em);
  for (const fn of list) {
    try {
      fn();
    } catch (err) {
      logger?.error({ err }, "db: an after-commit callback failed");
    }
  }
}

/** Forgets what a rolled-back unit of work registered. */
export function dropAfterCommit(em: EntityManager): void {
  pending.delete(em);
}
