export { Migration } from "@mikro-orm/migrations";
export type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
export { type CreateDbOptions, createDb, type Db } from "./create-db.js";
export {
  classifyDbError,
  constraintName,
  type DbErrorKind,
  isCheckViolation,
  isForeignKeyViolation,
  isNotNullViolation,
  isRetryableTransactionError,
  isRlsViolation,
  isUniqueViolation,
  pgErrorCode,
  safeDbErrorMessage,
} from "./db-errors.js";
export type { DbLogger } from "./db-logger.js";
export {
  createInbox,
  type EncodedEvent,
  type Inbox,
  type InboxKey,
  type InboxResult,
  inboxTableSql,
} from "./inbox.js";
export { newId } from "./new-id.js";
export type { DbEntity } from "./orm-options.js";
export { pgJson, pgText } from "./pg-text.js";
export { roleFromUrl } from "./role-from-url.js";
export {
  MIGRATIONS_TABLE,
  type MigrationEntry,
  type RunMigrationsOptions,
  runMigrations,
} from "./run-migrations.js";
export { InvalidTenantIdError, isUuid } from "./tenant-id.js";
export { TENANT_PREDICATE, tenantRls } from "./tenant-rls.js";
export {
  assertTenantTablesSecured,
  findTenantSecurityProblems,
  type TenantSecurityCheckOptions,
} from "./tenant-security-check.js";
export { TENANT_SETTING } from "./unit-of-work.js";
