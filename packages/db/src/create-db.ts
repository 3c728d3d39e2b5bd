import { type EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { DbLogger } from "./db-logger.js";
import { releaseDeadConnections } from "./dead-connection-release.js";
import { assertIdentifier } from "./identifiers.js";
import { baseOrmOptions, type DbEntity } from "./orm-options.js";
import { assertTenantId } from "./tenant-id.js";
import { runTenantStatement, type TenantStatementOptions } from "./tenant-statement.js";
import { runUnitOfWork } from "./unit-of-work.js";

export interface CreateDbOptions {
  /** The service's own login role (no superuser, no BYPASSRLS, owns nothing). */
  url: string;
  /** The service's schema: entities without an explicit schema live here. */
  schema: string;
  entities: readonly DbEntity[];
  /** Pool size; default 10. */
  poolMax?: number;
  /**
   * Longest a statement may run before the server cancels it (SQLSTATE 57014, classified
   * `timeout`); 0 turns it off. Default 30 000 ms.
   */
  statementTimeoutMs?: number;
  /**
   * Longest a transaction may sit idle before the server ends its session (a unit of work stuck in
   * application code must not hold locks forever); 0 turns it off. Default 60 000 ms.
   */
  idleInTransactionTimeoutMs?: number;
  logger?: DbLogger;
}

export interface Db {
  orm: MikroORM;
  /**
   * Tenant-scoped unit of work (docs/architecture.md, "Security as built"): a fresh EntityManager in one transaction whose
   * first statement sets app.tenant_id; flushed and committed when fn resolves, rolled back when it
   * throws. Raw SQL in the same transaction: `em.execute(sql, params)` or `em.getKysely()`.
   */
  withTenant<T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T>;
  /**
   * One write statement for a tenant in one round trip (the setting and the statement as one
   * implicit transaction): `?` placeholders, inlined by the ORM's escaping. For hot paths (see
   * tenant-statement.ts); everything else uses withTenant.
   */
  runForTenant(
    tenantId: string,
    sql: string,
    params: readonly unknown[],
    options?: TenantStatementOptions,
  ): Promise<void>;
  /** Same unit of work with no tenant: every tenant table reads as empty and rejects writes. */
  withoutTenant<T>(fn: (em: EntityManager) => Promise<T>): Promise<T>;
  /** Round trip to the server, for /readyz. */
  ping(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_POOL_MAX = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

function timeoutMs(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`invalid ${name} ${value}: expected 0 (off) or a positive integer of milliseconds`);
  }
  return value;
}

/** Connects and discovers entity metadata once; call once per process and share the Db. */
export async function createDb(options: CreateDbOptions): Promise<Db> {
  assertIdentifier("schema", options.schema);
  const poolMax = options.poolMax ?? DEFAULT_POOL_MAX;
  if (!Number.isInteger(poolMax) || poolMax < 1) {
    throw new Error(`invalid poolMax ${poolMax}: expected a positive integer`);
  }
  const statementTimeout = timeoutMs(
    "statementTimeoutMs",
    options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
  );
  const idleTimeout = timeoutMs(
    "idleInTransactionTimeoutMs",
    options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  );
  const { logger } = options;
  const orm = await MikroORM.init({
    ...baseOrmOptions({ url: options.url, poolMax, logger }),
    entities: [...options.entities],
    schema: options.schema,
    // pg sends these in every connection's startup packet (0: not sent, the server's default holds).
    // Migrations connect through runMigrations, which sets neither: DDL may take its time.
    driverOptions: {
      statement_timeout: statementTimeout,
      idle_in_transaction_session_timeout: idleTimeout,
      onPoolCreated: releaseDeadConnections,
    },
  });

  return {
    orm,
    async withTenant(tenantId, fn) {
      assertTenantId(tenantId);
      return runUnitOfWork(orm, tenantId, fn, logger);
    },
    async runForTenant(tenantId, sql, params, statementOptions) {
      assertTenantId(tenantId);
      return runTenantStatement(orm, tenantId, sql, params, statementOptions);
    },
    withoutTenant(fn) {
      // An explicit '' (not just "unset") so a session-level setting left on a pooled connection by
      // foreign code cannot widen what this unit of work sees.
      return runUnitOfWork(orm, "", fn, logger);
    },
    async ping(signal) {
      signal?.throwIfAborted();
      await orm.em
        .fork()
        .execute(
          "select 1",
          [],
          signal ? { method: "get", signal, inflightQueryAbortStrategy: "cancel query" } : { method: "get" },
        );
    },
    close() {
      return orm.close();
    },
  };
}
