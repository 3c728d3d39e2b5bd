import type { Constructor } from "@mikro-orm/core";
import { type Migration, Migrator } from "@mikro-orm/migrations";
import { MikroORM } from "@mikro-orm/postgresql";
import { grantAppRole } from "./app-role-grants.js";
import type { DbLogger } from "./db-logger.js";
import { assertIdentifier, quoteIdentifier } from "./identifiers.js";
import { migrationLockKey } from "./migration-lock.js";
import { baseOrmOptions } from "./orm-options.js";

export interface MigrationEntry {
  /** Stable name recorded in the ledger (class names can be mangled by bundlers). */
  name: string;
  class: Constructor<Migration>;
}

export interface RunMigrationsOptions {
  /** The atendo_owner role: owns the schema and every table. */
  ownerUrl: string;
  schema: string;
  /** The service's login role, granted DML only (see roleFromUrl). */
  appRole: string;
  /** In the order they must run. */
  migrations: readonly MigrationEntry[];
  /**
   * Statements that give `appRole` more or fewer rights than DML on every table (EXECUTE on
   * SECURITY DEFINER functions, an append-only table). Migrations cannot name the role (whoever runs
   * them chooses it), so these run after them, under the same lock: replicas starting together
   * would otherwise collide on the catalogue rows ("tuple concurrently updated").
   */
  roleGrants?: (appRole: string) => readonly string[];
  logger?: DbLogger;
}

/** The ledger lives inside the service schema, next to the tables it describes. */
export const MIGRATIONS_TABLE = "mikro_orm_migrations";

/**
 * Creates the schema, applies pending migrations in order and grants the app role; idempotent, and
 * safe when every replica runs it at start: a per-schema advisory lock lets one replica at a time in.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<{ applied: string[] }> {
  const { schema, appRole, logger } = options;
  assertIdentifier("schema", schema);
  assertIdentifier("role", appRole);
  assertUniqueNames(options.migrations);

  const orm = await MikroORM.init({
    ...baseOrmOptions({ url: options.ownerUrl, poolMax: 1, logger }),
    // One connection that never idles out: the session-level advisory lock and every statement of
    // the run share it, so the lock really covers the schema creation, the ledger and the grants.
    pool: { max: 1, idleTimeoutMillis: 0 },
    entities: [],
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations.map((m) => ({ name: m.name, class: m.class })),
      tableName: MIGRATIONS_TABLE,
      schema,
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
  });
  try {
    const conn = orm.em.getConnection();
    const lockKey = migrationLockKey(schema);
    await conn.execute("select pg_advisory_lock(?, ?)", lockKey, "run");
    try {
      // Created here, under the lock, by the owner: MikroORM would create it too but unguarded.
      await conn.execute(`create schema if not exists ${quoteIdentifier(schema)}`, [], "run");
      const migrator = orm.migrator;
      migrator.on("migrated", (m) => logger?.info({ schema, migration: m.name }, "db: migration applied"));
      const applied = await migrator.up();
      await grantAppRole(conn, schema, appRole, MIGRATIONS_TABLE);
      for (const statement of options.roleGrants?.(appRole) ?? []) await conn.execute(statement, [], "run");
      return { applied: applied.map((m) => m.name) };
    } finally {
      // Closing the connection below releases the lock anyway; an unlock failure must not hide the
      // error that brought us here.
      await conn.execute("select pg_advisory_unlock(?, ?)", lockKey, "run").catch((err: unknown) => {
        logger?.warn({ err, schema }, "db: releasing the migration lock failed");
      });
    }
  } finally {
    await orm.close();
  }
}

function assertUniqueNames(migrations: readonly MigrationEntry[]): void {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (m.name.trim() === "") throw new Error("invalid migration: empty name");
    if (seen.has(m.name)) throw new Error(`invalid migrations: ${JSON.stringify(m.name)} is listed twice`);
    seen.add(m.name);
  }
}
