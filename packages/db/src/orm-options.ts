import type { AnyEntity, EntityClass, EntitySchema } from "@mikro-orm/core";
import type { Options } from "@mikro-orm/postgresql";
import { createOrmLogger, type DbLogger } from "./db-logger.js";

/** What `entities` accepts: `defineEntity(...)` results, `EntitySchema`s or their classes. */
export type DbEntity = EntitySchema | EntityClass<AnyEntity>;

export interface BaseOrmOptions {
  url: string;
  poolMax: number;
  logger?: DbLogger | undefined;
}

/** MikroORM options shared by the runtime ORM and the migration ORM. */
export function baseOrmOptions({ url, poolMax, logger }: BaseOrmOptions): Options {
  assertPostgresUrl(url);
  return {
    clientUrl: url,
    pool: { max: poolMax },
    // The database and roles are provisioned by the stack/ops; a service role must never try CREATE DATABASE.
    ensureDatabase: false,
    ensureIndexes: false,
    debug: false,
    colors: false,
    loggerFactory: () => createOrmLogger(logger),
    discovery: { warnWhenNoEntities: false },
    // Metadata is discovered once at init from the explicit entity list; no file cache to go stale.
    metadataCache: { enabled: false },
  };
}

function assertPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL carries a password: never echo it.
    throw new Error("invalid database URL: cannot parse it");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`invalid database URL: expected postgres://, got ${parsed.protocol}//`);
  }
  if (parsed.pathname.length <= 1) throw new Error("invalid database URL: it names no database");
}
