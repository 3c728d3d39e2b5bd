// Where the test Postgres lives (scripts/mocha.ts sets these; the defaults match the local stack).
import { randomBytes } from "node:crypto";
import pg from "pg";

const host = process.env.ATENDO_TEST_PG_HOST ?? "127.0.0.1";
const port = process.env.ATENDO_TEST_PG_PORT ?? "55432";
const database = process.env.ATENDO_TEST_DATABASE ?? "atendo_test";

/** Local credentials only: every local role's password equals its name. */
export function pgUrl(role: string): string {
  return `postgres://${role}:${role}@${host}:${port}/${database}`;
}

export const OWNER_URL = pgUrl("atendo_owner");
/** The app-like role that exists for the shared packages' own tests. */
export const APP_ROLE = "atendo_testkit";
export const APP_URL = pgUrl(APP_ROLE);

/** A schema no other run uses, so runs can overlap and every run starts from nothing. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/** A plain pg client (not this package's code), for independent checks. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withClient(OWNER_URL, (c) => c.query(`drop schema if exists "${schema}" cascade`));
}
