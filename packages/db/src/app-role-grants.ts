import type { EntityManager } from "@mikro-orm/postgresql";
import { quoteIdentifier } from "./identifiers.js";

type Connection = ReturnType<EntityManager["getConnection"]>;

/**
 * DML (never DDL, never ownership) on the service schema for its login role, for the tables that
 * exist now and, through default privileges, for those later migrations create. The migration ledger
 * stays the owner's alone. One transaction; idempotent.
 */
export async function grantAppRole(
  conn: Connection,
  schema: string,
  appRole: string,
  ledgerTable: string,
): Promise<void> {
  const s = quoteIdentifier(schema);
  const r = quoteIdentifier(appRole);
  const ledger = `${s}.${quoteIdentifier(ledgerTable)}`;
  await conn.transactional(async (trx) => {
    const run = (sql: string) => conn.execute(sql, [], "run", trx);
    await run(`grant usage on schema ${s} to ${r}`);
    await run(`grant select, insert, update, delete on all tables in schema ${s} to ${r}`);
    await run(`grant usage, select on all sequences in schema ${s} to ${r}`);
    await run(
      `alter default privileges in schema ${s} grant select, insert, update, delete on tables to ${r}`,
    );
    await run(`alter default privileges in schema ${s} grant usage, select on sequences to ${r}`);
    await run(`revoke all on table ${ledger} from ${r}`);
    const [row] = await conn.execute<Array<{ seq: string | null }>>(
      "select pg_get_serial_sequence(?, 'id') as seq",
      [ledger],
      "all",
      trx,
    );
    // pg_get_serial_sequence returns the name already quoted as needed.
    if (row?.seq) await run(`revoke all on sequence ${row.seq} from ${r}`);
  });
}
