// The roles and databases of the local stack, created through the superuser; idempotent.
import pg from "pg";
import type { StackConfig } from "../stack.js";

export const OWNER_ROLE = "atendo_owner";

/** Service names; each gets its own Postgres schema and login role. */
export const SERVICES = ["tenant", "ingress", "conversation", "assistant", "ai", "delivery"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Creates the owner role, one login role per service and the database; idempotent. */
export async function bootstrapDatabase(cfg: StackConfig, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cfg.pgAdminUrl });
  await admin.connect();
  try {
    // atendo_testkit: an app-like role for the shared packages' own tests (e.g. the RLS proof).
    const roles = [OWNER_ROLE, ...SERVICES.map((s) => `atendo_${s}`), "atendo_testkit"];
    for (const role of roles) {
      const exists = await admin.query("select 1 from pg_roles where rolname = $1", [role]);
      // Service roles: no superuser, no BYPASSRLS, own nothing. The owner runs migrations and owns
      // the few SECURITY DEFINER functions that return ids across tenants (e.g. which tenant a
      // channel belongs to), so it bypasses RLS; services never log in as it.
      const rls = role === OWNER_ROLE ? "bypassrls" : "nobypassrls";
      if (exists.rowCount === 0) {
        await admin.query(
          `create role ${role} login password '${role}' nosuperuser ${rls} nocreatedb nocreaterole`,
        );
      } else {
        await admin.query(`alter role ${role} nosuperuser ${rls}`);
      }
    }
    const db = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (db.rowCount === 0) await admin.query(`create database ${database} owner ${OWNER_ROLE}`);
    // Only the owner may create schemas; service roles get USAGE on their own schema from migrations.
    await admin.query(`revoke create on database ${database} from public`);
    await admin.query(`grant connect on database ${database} to ${roles.join(", ")}`);
  } finally {
    await admin.end();
  }
  // PG15 already denies CREATE on public to non-owners; revoke usage so services see only their schema.
  const url = new URL(cfg.pgAdminUrl);
  url.pathname = `/${database}`;
  const inDb = new pg.Client({ connectionString: url.toString() });
  await inDb.connect();
  try {
    await inDb.query("revoke all on schema public from public");
  } finally {
    await inDb.end();
  }
}
