/**
 * The statements that close SECURITY DEFINER functions to PUBLIC and open them to the conventional
 * service role, atendo_tenant, when it exists (so a runner applying the migration list alone leaves
 * the service working); `migrate()` grants the role actually configured as well.
 */
export function serviceOnlyFunctionSql(functions: readonly string[]): string[] {
  const grants = functions.map((fn) => `grant execute on function ${fn} to atendo_tenant;`);
  return [
    ...functions.map((fn) => `revoke all on function ${fn} from public`),
    `do $$
      begin
        if exists (select 1 from pg_roles where rolname = 'atendo_tenant') then
          ${grants.join("\n")}
        end if;
      end $$`,
  ];
}
