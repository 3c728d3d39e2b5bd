import { MikroORM } from "@mikro-orm/postgresql";
import { LOOKUP_FUNCTIONS } from "./0001-initial.js";
import { IDENTITY_LOOKUP_FUNCTIONS } from "./0003-identity.js";
import { VERIFICATION_LOOKUP_FUNCTIONS } from "./0004-verification.js";
import { OUTBOX_RETENTION_FUNCTIONS } from "./0005-outbox-retention.js";

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * EXECUTE on the SECURITY DEFINER lookups for the service role only, an append-only audit log
 * (runMigrations grants full DML on every table; who changed what must not be rewritable by the
 * service), and no right at all on the operator's platform-admin ledger. The migrations cannot name that role (it is chosen by whoever runs them), so this runs
 * as the owner right after them.
 */
export async function grantLookupFunctions(ownerUrl: string, appRole: string): Promise<void> {
  if (!ROLE_NAME.test(appRole)) throw new Error(`invalid role name "${appRole}"`);
  const orm = await MikroORM.init({
    clientUrl: ownerUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
    pool: { min: 0, max: 1 },
    debug: false,
  });
  try {
    const conn = orm.em.getConnection();
    for (const fn of [
      ...LOOKUP_FUNCTIONS,
      ...IDENTITY_LOOKUP_FUNCTIONS,
      ...VERIFICATION_LOOKUP_FUNCTIONS,
      ...OUTBOX_RETENTION_FUNCTIONS,
    ]) {
      await conn.execute(`grant execute on function ${fn} to "${appRole}"`, [], "run");
    }
    await conn.execute(`revoke update, delete, truncate on tenant.audit_log from "${appRole}"`, [], "run");
    await conn.execute(`revoke all on tenant.platform_admin_changes from "${appRole}"`, [], "run");
  } finally {
    await orm.close();
  }
}
