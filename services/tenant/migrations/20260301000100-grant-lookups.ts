import { Migration } from "@atendo/db";
import { LOOKUP_FUNCTIONS } from "./20260301000000-initial.js";

/**
 * EXECUTE on the lookups for the conventional service role, atendo_tenant, when it exists, so that
 * a runner applying the migration list alone (scripts/migrate.ts) leaves the service working.
 * `migrate()` grants the role actually configured as well.
 */
export class Migration20260301000100GrantLookups extends Migration {
  override up(): void {
    const grants = LOOKUP_FUNCTIONS.map((fn) => `grant execute on function ${fn} to atendo_tenant;`).join(
      "\n",
    );
    this.addSql(`do $$
      begin
        if exists (select 1 from pg_roles where rolname = 'atendo_tenant') then
          ${grants}
        end if;
      end $$`);
  }
}
