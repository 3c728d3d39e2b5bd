import { notAllowed, targetNotFound } from "./auth-errors.js";
import type { Rule } from "./policy.js";
import type { Principal, ServicePrincipal } from "./principal.js";
import { roleAtLeast } from "./principal.js";
import type { WorkspaceDirectory } from "./workspace-directory.js";

/** A principal that belongs to one tenant. */
export type TenantPrincipal = Exclude<Principal, ServicePrincipal>;

/**
 * Check 2 of docs/auth.md: may this kind of principal call under `rule` at all? Returns true when
 * the principal passes every further check (a listed service, a platform admin the rule admits),
 * false when target and role/scope checks follow; throws `permission_denied` otherwise.
 */
export function admitKind(rule: Rule, principal: Principal): boolean {
  switch (principal.kind) {
    case "service":
      if (rule.services?.includes(principal.service) === true) return true;
      break;
    case "user":
      if (principal.platformAdmin && rule.platformAdmin === true) return true;
      if (rule.role !== undefined) return false;
      break;
    case "api_key":
      if (rule.scope !== undefined) return false;
      break;
    case "visitor":
      if (rule.visitor === true) return false;
      break;
  }
  throw notAllowed();
}

/** Check 3, tenant target: another tenant does not exist for the caller. */
export function checkTenant(principal: TenantPrincipal, tenantId: string): void {
  if (tenantId !== principal.tenantId) throw targetNotFound("tenant");
}

/**
 * Check 3, workspace target: a workspace of another tenant is `not_found`; one of the caller's
 * tenant that the caller may not use (an agent limited to others, a key or visitor of another
 * workspace) is `permission_denied`.
 */
export async function checkWorkspace(
  principal: TenantPrincipal,
  workspaceId: string,
  workspaces: WorkspaceDirectory,
): Promise<void> {
  // Workspaces named in the principal were put there by the tenant service: no lookup needed.
  const own =
    principal.kind === "user"
      ? principal.workspaceIds.includes(workspaceId)
      : principal.workspaceId === workspaceId;
  if (own) return;
  if ((await workspaces.tenantOf(workspaceId)) !== principal.tenantId) throw targetNotFound("workspace");
  if (principal.kind === "user" && principal.workspaceIds.length === 0) return;
  throw notAllowed();
}

/** Check 4: a user's role must be at least the rule's; a key must hold the rule's scope. */
export function checkGrant(rule: Rule, principal: TenantPrincipal): void {
  if (principal.kind === "user" && rule.role !== undefined && !roleAtLeast(principal.role, rule.role)) {
    throw notAllowed();
  }
  if (principal.kind === "api_key" && rule.scope !== undefined && !principal.scopes.includes(rule.scope)) {
    throw notAllowed();
  }
}
