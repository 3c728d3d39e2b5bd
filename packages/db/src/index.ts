export { Migration } from "@mikro-orm/migrations";
export type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
export { afterCommit } from "./after-commit.js";
export {
  type CreateDbOptions,
  createDb,
  type Db,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from "./create-db.js";
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
  inboxRetentionSql,
  inboxTableSql,
} from "./inbox.js";
export { newId } from "./new-id.js";
export type { DbEntity } from "./orm-options.js";
export {
  createOutbox,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Outbox,
  OutboxEventTooLargeError,
  type OutboxOptions,
} from "./outbox.js";
export {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRelayPass,
} from "./outbox-relay.js";
export type { OutboxStats } from "./outbox-store.js";
export { OUTBOX_TABLE, outboxTableSql } from "./outbox-table.js";
export { pgJson, pgText } from "./pg-text.js";
export { pruneFunctionSql } from "./prune-function.js";
export {
  createRequestIds,
  type RequestIdKey,
  RequestIdReusedError,
  type RequestIds,
  requestFingerprint,
  requestIdsTableSql,
} from "./request-ids.js";
export {
  createRetentionJob,
  DEFAULT_RETENTION_MS,
  type RetentionJob,
  type RetentionJobOptions,
  type RetentionResult,
  type RetentionTask,
} from "./retention-job.js";
export type { RetryBackoff } from "./retry-delay.js";
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
export type { TenantStatementOptions } from "./tenant-statement.js";
export { TENANT_SETTING } from "./unit-of-work.js";
