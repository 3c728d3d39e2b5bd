// Postgres reports failures by SQLSTATE. MikroORM wraps driver errors in DriverException (copying
// `code`), Kysely and pg surface the raw DatabaseError; both carry `code`. Their messages include the
// SQL and sometimes row values, so they are for logs only: users get `safeDbErrorMessage`.

export type DbErrorKind =
  | "unique_violation"
  | "foreign_key_violation"
  | "not_null_violation"
  | "check_violation"
  | "rls_violation"
  | "serialization_failure"
  | "deadlock"
  | "query_canceled"
  | "timeout"
  | "connection"
  | "other";

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  routine?: unknown;
  cause?: unknown;
}

function asRecord(err: unknown): PgLikeError | undefined {
  return typeof err === "object" && err !== null ? (err as PgLikeError) : undefined;
}

/** The SQLSTATE of a database error (looking through `cause` chains), if any. */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e = asRecord(err), depth = 0; e && depth < 5; e = asRecord(e.cause), depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** The violated constraint's name (e.g. to map a unique violation to the field it guards). */
export function constraintName(err: unknown): string | undefined {
  for (let e = asRecord(err), depth = 0; e && depth < 5; e = asRecord(e.cause), depth++) {
    if (typeof e.constraint === "string") return e.constraint;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  return pgErrorCode(err) === "23505";
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgErrorCode(err) === "23503";
}

export function isNotNullViolation(err: unknown): boolean {
  return pgErrorCode(err) === "23502";
}

export function isCheckViolation(err: unknown): boolean {
  return pgErrorCode(err) === "23514";
}

/** A write rejected by a row-level security policy (WITH CHECK): a cross-tenant write attempt. */
export function isRlsViolation(err: unknown): boolean {
  if (pgErrorCode(err) !== "42501") return false;
  for (let e = asRecord(err), depth = 0; e && depth < 5; e = asRecord(e.cause), depth++) {
    if (e.routine === "ExecWithCheckOptions") return true;
    if (typeof e.message === "string" && e.message.includes("row-level security")) return true;
  }
  return false;
}

/** Errors after which running the whole unit of work again is the right response. */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === "40001" || code === "40P01";
}

function isConnectionError(err: unknown, code: string | undefined): boolean {
  if (code?.startsWith("08") || code === "57P01" || code === "57P03") return true;
  for (let e = asRecord(err), depth = 0; e && depth < 5; e = asRecord(e.cause), depth++) {
    if (typeof e.code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(e.code)) {
      return true;
    }
    // pg's own words for a connection that is gone (they carry no code).
    if (typeof e.message === "string" && /Connection terminated|not queryable/.test(e.message)) return true;
  }
  return false;
}

// A statement past statement_timeout or lock_timeout, or a session ended for idling in a transaction.
function isTimeout(err: unknown, code: string | undefined): boolean {
  if (code === "25P03") return true;
  if (code !== "57014" && code !== "55P03") return false;
  for (let e = asRecord(err), depth = 0; e && depth < 5; e = asRecord(e.cause), depth++) {
    if (typeof e.message === "string" && /(statement|lock) timeout/.test(e.message)) return true;
  }
  return false;
}

export function classifyDbError(err: unknown): DbErrorKind {
  const code = pgErrorCode(err);
  if (isTimeout(err, code)) return "timeout";
  switch (code) {
    case "23505":
      return "unique_violation";
    case "23503":
      return "foreign_key_violation";
    case "23502":
      return "not_null_violation";
    case "23514":
      return "check_violation";
    case "40001":
      return "serialization_failure";
    case "40P01":
      return "deadlock";
    case "57014":
      return "query_canceled";
  }
  if (isRlsViolation(err)) return "rls_violation";
  if (isConnectionError(err, code)) return "connection";
  return "other";
}

const SAFE_MESSAGES: Record<DbErrorKind, string> = {
  unique_violation: "a record with the same key already exists",
  foreign_key_violation: "a referenced record does not exist or is still referenced",
  not_null_violation: "a required value is missing",
  check_violation: "a value is out of its allowed range",
  rls_violation: "the record does not belong to this tenant",
  serialization_failure: "the operation conflicted with a concurrent change; retry it",
  deadlock: "the operation conflicted with a concurrent change; retry it",
  query_canceled: "the operation was canceled",
  timeout: "the database took too long to answer; retry later",
  connection: "the database is unavailable",
  other: "internal database error",
};

/** A message safe to show users: no SQL, no values, no schema details. */
export function safeDbErrorMessage(err: unknown): string {
  return SAFE_MESSAGES[classifyDbError(err)];
}
