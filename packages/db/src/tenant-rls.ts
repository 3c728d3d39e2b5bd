import { quoteQualifiedName } from "./identifiers.js";

/**
 * The tenant predicate of every policy. `nullif` matters: once a transaction-local set_config has
 * ended, the setting reads '' (not NULL) and ''::uuid would throw instead of matching nothing.
 */
export const TENANT_PREDICATE = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid";

/** SQL that puts a table with a `tenant_id uuid` column under row-level security (forced, so owners too). */
export function tenantRls(qualifiedTable: string): string[] {
  const table = quoteQualifiedName(qualifiedTable);
  return [
    `alter table ${table} enable row level security`,
    `alter table ${table} force row level security`,
    `create policy tenant_isolation on ${table} for all using (${TENANT_PREDICATE}) with check (${TENANT_PREDICATE})`,
  ];
}
