// Schema and role names are spliced into DDL (they cannot be bound as parameters), so only plain
// lower-case identifiers are accepted and they are still quoted when used.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertIdentifier(kind: string, value: string): void {
  if (!IDENTIFIER.test(value)) {
    throw new Error(
      `invalid ${kind} ${JSON.stringify(value)}: expected a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 chars)`,
    );
  }
}

export function quoteIdentifier(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** `schema.table` (each part a plain identifier), quoted part by part. */
export function quoteQualifiedName(qualified: string): string {
  const parts = qualified.split(".");
  if (parts.length !== 2) {
    throw new Error(`invalid table name ${JSON.stringify(qualified)}: expected "schema.table"`);
  }
  for (const part of parts) assertIdentifier("table name part", part);
  return parts.map(quoteIdentifier).join(".");
}
