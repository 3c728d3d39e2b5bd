import type { EntityManager } from "@atendo/db";
import { notFound, permissionDenied, principalOf } from "@atendo/service-kit";
import type { HandlerContext } from "@connectrpc/connect";
import { type RoleName, roleAtLeast } from "../domain/roles.js";
import { findMembership } from "../store/member-repository.js";

/**
 * How far a caller reaches in a tenant: the role and workspaces of their membership as stored now
 * (not as their token says: a limit set minutes ago applies at once). Services, API keys and
 * platform admins acting on another tenant are not members and reach everything their policy let
 * them call.
 */
export interface Reach {
  /** The calling user; undefined for other callers. */
  userId: string | undefined;
  role: RoleName;
  /** The workspaces they may use; empty: every workspace of the tenant. */
  workspaceIds: readonly string[];
}

const EVERYTHING: Reach = { userId: undefined, role: "OWNER", workspaceIds: [] };

/** The caller's reach in `tenantId`, read in the caller's tenant transaction. */
export async function reachOf(em: EntityManager, ctx: HandlerContext, tenantId: string): Promise<Reach> {
  const p = principalOf(ctx);
  if (p.kind !== "user" || p.tenantId !== tenantId) return EVERYTHING;
  const membership = await findMembership(em, p.userId);
  if (membership === null) throw permissionDenied("you are no longer a member of this tenant");
  if (p.platformAdmin) return { ...EVERYTHING, userId: p.userId };
  return { userId: p.userId, role: membership.role, workspaceIds: membership.workspaceIds };
}

const limited = (reach: Reach) => reach.workspaceIds.length > 0;

/** Whether a member with these workspaces may use one of the reach's (what a limited admin sees). */
export function sees(reach: Reach, member: { workspaceIds: readonly string[] }): boolean {
  if (!limited(reach) || member.workspaceIds.length === 0) return true;
  return member.workspaceIds.some((w) => reach.workspaceIds.includes(w));
}

/** Whether every workspace of the member is within the reach (what a limited admin may change). */
export function covers(reach: Reach, workspaceIds: readonly string[]): boolean {
  if (!limited(reach)) return true;
  return workspaceIds.length > 0 && workspaceIds.every((w) => reach.workspaceIds.includes(w));
}

/**
 * Refuses to let the caller change a member they do not fully reach: one they cannot see is
 * `not_found`, one who also uses workspaces outside the caller's is `permission_denied`.
 */
export function requireReaches(
  reach: Reach,
  member: { userId: string; workspaceIds: readonly string[] },
): void {
  if (!sees(reach, member)) throw notFound("member", member.userId);
  if (!covers(reach, member.workspaceIds)) {
    throw permissionDenied(
      "this member also uses workspaces outside yours: ask an admin of every workspace to change them",
    );
  }
}

/**
 * A caller grants only what they hold: a role up to their own, workspaces within theirs (a caller
 * limited to some workspaces cannot grant "every workspace", the empty list).
 */
export function requireGrantable(reach: Reach, role: RoleName, workspaceIds: readonly string[]): void {
  if (!roleAtLeast(reach.role, role)) {
    throw permissionDenied(`you cannot grant the ${role.toLowerCase()} role: it is above your own`);
  }
  if (!covers(reach, workspaceIds)) {
    throw permissionDenied(
      workspaceIds.length === 0
        ? "you cannot grant every workspace: list the workspaces, within your own"
        : "you can only grant workspaces you have yourself",
    );
  }
}
