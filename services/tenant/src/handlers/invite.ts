import type { EntityManager } from "@atendo/db";
import { newId } from "@atendo/db";
import { alreadyExists, notFound } from "@atendo/service-kit";
import type { AuditContext } from "../domain/audit.js";
import { invitationSummary } from "../domain/audit-summary.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { newOpaqueToken, sha256 } from "../domain/opaque-token.js";
import { effectiveLimits, limitProblem } from "../domain/plan-limits.js";
import { type RoleName, roleToToken } from "../domain/roles.js";
import { INVITATION_TTL_S } from "../domain/token-lifetimes.js";
import { type Language, languageOf } from "../email/language.js";
import { recordAudit } from "../store/audit-log.js";
import { InvitationRow } from "../store/invitation-row.js";
import { countMembers } from "../store/member-repository.js";
import { MembershipRow } from "../store/membership-row.js";
import { lockTenant } from "../store/tenant-repository.js";
import { findUserByEmail } from "../store/user-repository.js";
import { WorkspaceRow } from "../store/workspace-row.js";
import type { HandlerDeps } from "./deps.js";
import { planLimitError, tenantSuspended } from "./tenant-errors.js";

const INVITATION_TOKEN_LEAD = "inv_";

export interface NewInvitation {
  email: string;
  role: RoleName;
  workspaceIds: string[];
  /** The inviting member; null when a platform admin or the system invites. */
  invitedBy: string | null;
}

/** Checks that every id is a workspace of the transaction's tenant (`field[i]` names a bad one). */
export async function checkWorkspaceIds(
  em: EntityManager,
  field: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set((await em.find(WorkspaceRow, { id: { $in: [...ids] } })).map((w) => w.id));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw new InvalidInputError(`${field}[${missing}]`, "is not a workspace of this tenant");
}

/** Open invitations (not accepted, revoked or expired) count against the member limit. */
async function countOpenInvitations(em: EntityManager, now: Date): Promise<number> {
  return em.count(InvitationRow, { acceptedAt: null, revokedAt: null, expiresAt: { $gt: now } });
}

/** A committed invitation, ready to mail: its token exists nowhere else (only its hash is stored). */
export interface NewInvitationMail {
  row: InvitationRow;
  token: string;
  tenantName: string;
  /** The default language of the first workspace it grants (or the tenant's oldest). */
  language: Language;
}

/**
 * Creates an invitation in the caller's tenant transaction, replacing an open one for the same
 * address. Refuses an address that is already a member and a tenant at its member limit (members
 * plus open invitations). Returns the row and its token, which only the mail carries.
 */
export async function inviteInTransaction(
  em: EntityManager,
  deps: Pick<HandlerDeps, "now">,
  audit: AuditContext,
  input: NewInvitation,
): Promise<NewInvitationMail> {
  const tenant = await lockTenant(em, audit.tenantId);
  if (tenant === null) throw notFound("tenant", audit.tenantId);
  if (tenant.status === "SUSPENDED") throw tenantSuspended();
  await checkWorkspaceIds(em, "workspace_ids", input.workspaceIds);
  const user = await findUserByEmail(em, input.email);
  if (user !== null && (await em.count(MembershipRow, { userId: user.id })) > 0) {
    throw alreadyExists("a member with this email");
  }
  const now = deps.now();
  const previous = await em.findOne(InvitationRow, { email: input.email, acceptedAt: null, revokedAt: null });
  if (previous !== null) {
    previous.revokedAt = now;
    // The open-invitation index allows one per address: the revocation must land first.
    await em.flush();
  }
  const problem = limitProblem(
    "members",
    tenant.plan,
    effectiveLimits(tenant.plan, tenant.limits),
    (await countMembers(em)) + (await countOpenInvitations(em, now)),
    " (open invitations included)",
  );
  if (problem !== undefined) throw planLimitError(problem);
  const token = newOpaqueToken(INVITATION_TOKEN_LEAD);
  const row = em.create(InvitationRow, {
    id: newId(),
    tenantId: audit.tenantId,
    email: input.email,
    role: input.role,
    workspaceIds: input.workspaceIds,
    tokenHash: sha256(token),
    invitedBy: input.invitedBy,
    createdAt: now,
    expiresAt: new Date(now.getTime() + INVITATION_TTL_S * 1000),
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  });
  recordAudit(em, audit, {
    action: "invitation.create",
    targetType: "invitation",
    targetId: row.id,
    ...(previous === null ? {} : { before: invitationSummary(previous) }),
    after: invitationSummary(row),
  });
  const first = input.workspaceIds[0];
  const [workspace] = await em.find(WorkspaceRow, first === undefined ? {} : { id: first }, {
    orderBy: { id: "asc" },
    limit: 1,
  });
  return { row, token, tenantName: tenant.name, language: languageOf(workspace?.defaultLanguage) };
}

/**
 * Mails a committed invitation; false when the mail server did not take it (logged without the
 * token). The invitation stays valid either way: inviting again sends a new link.
 */
export function deliverInvitation(
  deps: Pick<HandlerDeps, "mailer">,
  invitation: NewInvitationMail,
  correlationId: string,
): Promise<boolean> {
  const { row, token, tenantName, language } = invitation;
  return deps.mailer.invitation(
    {
      invitationId: row.id,
      tenantId: row.tenantId,
      tenantName,
      email: row.email,
      role: roleToToken(row.role),
      token,
      expiresAt: row.expiresAt,
      language,
    },
    correlationId,
  );
}
