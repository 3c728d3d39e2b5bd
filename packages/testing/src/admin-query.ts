import type { QueryResultRow } from "pg";
import pg from "pg";
import { testEnv } from "./env.js";

/**
 * Runs one statement as the superuser (sees every tenant's rows, ignores RLS) and returns the rows.
 * Opens and closes its own connection, so tests need no teardown.
 */
export async function adminQuery<R extends QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: readonly unknown[] = [],
  url: string = testEnv().adminUrl,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<R>(sql, [...params]);
    return result.rows;
  } finally {
    await client.end();
  }
}
