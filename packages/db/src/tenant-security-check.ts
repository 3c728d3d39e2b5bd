import { MikroORM } from "@mikro-orm/postgresql";
import { assertIdentifier } from "./identifiers.js";
import { baseOrmOptions } from "./orm-options.js";

export interface TenantSecurityCheckOptions {
  /** Also check that this login role cannot bypass the policies (not superuser, no BYPASSRLS, owns nothing). */
  appRole?: string;
}

interface TableRow {
  table: string;
  rls: boolean;
  forced: boolean;
  policies: number;
}

/**
 * Reads the catalogue (as owner or superuser) and lists what would let one tenant see another's rows:
 * tables with a tenant_id column without forced row-level security or without a policy, and an app
 * role that is superuser, has BYPASSRLS, or owns (or is a member of the owner of) the schema or a table.
 */
export async function findTenantSecurityProblems(
  url: string,
  schema: string,
  options: TenantSecurityCheckOptions = {},
): Promise<string[]> {
  assertIdentifier("schema", schema);
  if (options.appRole !== undefined) assertIdentifier("role", options.appRole);
  const orm = await MikroORM.init({ ...baseOrmOptions({ url, poolMax: 1 }), entities: [] });
  try {
    const conn = orm.em.getConnection();
    const problems: string[] = [];
    const tables = await conn.execute<TableRow[]>(
      `select c.relname as "table", c.relrowsecurity as rls, c.relforcerowsecurity as forced,
              (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p')
          and exists (select 1 from pg_attribute a
                       where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        order by c.relname`,
      [schema],
    );
    for (const t of tables) {
      const name = `${schema}.${t.table}`;
      if (!t.rls) problems.push(`${name}: row level security is not enabled`);
      if (!t.forced) problems.push(`${name}: row level security is not forced`);
      if (t.policies === 0) problems.push(`${name}: has no policy`);
    }
    if (options.appRole !== undefined) problems.push(...(await roleProblems(conn, schema, options.appRole)));
    return problems;
  } finally {
    await orm.close();
  }
}

type Connection = ReturnType<MikroORM["em"]["getConnection"]>;

async function roleProblems(conn: Connection, schema: string, role: string): Promise<string[]> {
  const problems: string[] = [];
  const [attrs] = await conn.execute<Array<{ super: boolean; bypass: boolean }>>(
    `select rolsuper as super, rolbypassrls as bypass from pg_roles where rolname = ?`,
    [role],
  );
  if (!attrs) return [`role ${role} does not exist`];
  if (attrs.super) problems.push(`role ${role} is a superuser`);
  if (attrs.bypass) problems.push(`role ${role} has BYPASSRLS`);
  // Membership in the owner's role carries the owner's rights, so it counts as owning.
  const owned = await conn.execute<Array<{ name: string }>>(
    `select n.nspname as name from pg_namespace n
      where n.nspname = ? and pg_has_role(?, n.nspowner, 'MEMBER')
     union all
     select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ? and pg_has_role(?, c.relowner, 'MEMBER')
     order by 1`,
    [schema, role, schema, role],
  );
  for (const o of owned) problems.push(`role ${role} owns ${o.name}`);
  return problems;
}

/** Throws, listing every problem, unless the schema's tenant tables are sealed (see findTenantSecurityProblems). */
export async function assertTenantTablesSecured(
  url: string,
  schema: string,
  options: TenantSecurityCheckOptions = {},
): Promise<void> {
  const problems = await findTenantSecurityProblems(url, schema, options);
  if (problems.length > 0) {
    throw new Error(`tenant tables of schema ${schema} are not secured:\n  - ${problems.join("\n  - ")}`);
  }
}
