import { assertIdentifier, quoteIdentifier } from "./identifiers.js";

/** The name of the prune function of a table: `<schema>.prune_<table>`. */
export function pruneFunctionName(schema: string, table: string): string {
  assertIdentifier("schema", schema);
  assertIdentifier("prune function name", `prune_${table}`);
  return `${quoteIdentifier(schema)}.${quoteIdentifier(`prune_${table}`)}`;
}

/**
 * DDL of `<schema>.prune_<table>(older_than_ms bigint, max_rows integer) returns integer`: deletes at
 * most `max_rows` rows whose `timestampColumn` is older than `older_than_ms`, across tenants, and
 * returns how many it deleted (createRetentionJob calls it until a batch comes back short).
 *
 * Like every cross-tenant function it belongs to the migration's owner (atendo_owner, BYPASSRLS) and
 * pins its search_path; it returns a count only. Rows locked by others are skipped, so replicas
 * pruning at once never wait on each other or on live work. `condition` is trusted SQL from code (a
 * predicate on the table's columns, e.g. `status = 'published'`), never user input.
 * `create or replace`: a later migration may add it to a table that predates it.
 */
export function pruneFunctionSql(
  schema: string,
  table: string,
  timestampColumn: string,
  condition?: string,
): string[] {
  assertIdentifier("table", table);
  assertIdentifier("timestamp column", timestampColumn);
  const fn = pruneFunctionName(schema, table);
  const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  const extra = condition === undefined ? "" : ` and (${condition})`;
  return [
    `create or replace function ${fn}(older_than_ms bigint, max_rows integer)
      returns integer
      language sql volatile security definer
      set search_path = pg_catalog, pg_temp
      as $$
        with gone as (
          delete from ${qualified}
           where ctid = any (array(
             select t.ctid from ${qualified} t
              where t.${quoteIdentifier(timestampColumn)} < now() - make_interval(secs => greatest(older_than_ms, 0) / 1000.0)${extra}
              limit greatest(max_rows, 0)
              for update skip locked))
          returning 1)
        select count(*)::integer from gone
      $$`,
  ];
}
