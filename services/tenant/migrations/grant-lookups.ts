import { LOOKUP_FUNCTIONS } from "./0001-initial.js";
import { IDENTITY_LOOKUP_FUNCTIONS } from "./0003-identity.js";
import { VERIFICATION_LOOKUP_FUNCTIONS } from "./0004-verification.js";
import { OUTBOX_RETENTION_FUNCTIONS } from "./0005-outbox-retention.js";
import { REQUEST_ID_FUNCTIONS } from "./0006-request-ids.js";

/**
 * EXECUTE on the SECURITY DEFINER lookups for the service role only, an append-only audit log
 * (runMigrations grants full DML on every table; who changed what must not be rewritable by the
 * service), and no right at all on the operator's platform-admin ledger. The migrations cannot name
 * that role (whoever runs them chooses it), so runMigrations runs these right after them, under its
 * lock. `appRole` is checked as an identifier by runMigrations before this is called.
 */
export function tenantRoleGrants(appRole: string): string[] {
  return [
    ...[
      ...LOOKUP_FUNCTIONS,
      ...IDENTITY_LOOKUP_FUNCTIONS,
      ...VERIFICATION_LOOKUP_FUNCTIONS,
      ...OUTBOX_RETENTION_FUNCTIONS,
      ...REQUEST_ID_FUNCTIONS,
    ].map((fn) => `grant execute on function ${fn} to "${appRole}"`),
    `revoke update, delete, truncate on tenant.audit_log from "${appRole}"`,
    `revoke all on tenant.platform_admin_changes from "${appRole}"`,
  ];
}
