import { newId } from "@atendo/db";
import { MemberChange, type TenantService } from "@atendo/proto/tenant/v1";
import { alreadyExists, principalOf, unauthenticated } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { LockMode } from "@mikro-orm/core";
import { memberSummary } from "../domain/audit-summary.js";
import { normalizeEmail } from "../domain/email.js";
import { memberChanged } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { invitationView, memberView, userView } from "../domain/member-view.js";
import { sha256 } from "../domain/opaque-token.js";
import { effectiveLimits } from "../domain/plan-limits.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { roleFromProto } from "../domain/roles.js";
import { nonBlank } from "../domain/text.js";
import { recordAudit } from "../store/audit-log.js";
import { markVerified } from "../store/email-verifications.js";
import { InvitationRow } from "../store/invitation-row.js";
import { countMembers } from "../store/member-repository.js";
import { MembershipRow } from "../store/membership-row.js";
import { lockTenant } from "../store/tenant-repository.js";
import { findUserByEmail } from "../store/user-repository.js";
import { UserRow } from "../store/user-row.js";
import { checkPassword } from "./auth-login.js";
import {
  auditContextOf,
  optionalCaller,
  requireOwner,
  requireVerifiedEmail,
  tenantOfCall,
} from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { deliverInvitation, inviteInTransaction } from "./invite.js";
import { reachOf, requireGrantable } from "./reach.js";
import { rpc } from "./rpc-errors.js";

const INVALID_INVITATION = "invalid or expired invitation";

const ACCEPT_UNIQUES = {
  memberships_tenant_user_key: "a membership of this user in this tenant",
  users_email_key: "an account with this email",
};

/** InviteMember and AcceptInvitation. */
export function createInvitationRpcs(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof TenantService>, "inviteMember" | "acceptInvitation"> {
  const { db } = deps;
  return {
    inviteMember: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const role = roleFromProto(req.role);
        if (role === undefined) throw new InvalidInputError("role", "is not a member role");
        if (role === "OWNER") requireOwner(ctx, "invite owners");
        const caller = principalOf(ctx);
        const invitedBy = caller.kind === "user" && caller.tenantId === tenantId ? caller.userId : null;
        const invitation = await db.withTenant(tenantId, async (em) => {
          await requireVerifiedEmail(em, ctx, "invite members");
          // Nobody hands out more than they hold: not a higher role, not other (or all) workspaces.
          requireGrantable(await reachOf(em, ctx, tenantId), role, req.workspaceIds);
          return inviteInTransaction(em, deps, await auditContextOf(em, ctx, tenantId), {
            email: normalizeEmail(req.email),
            role,
            workspaceIds: [...req.workspaceIds],
            invitedBy,
          });
        });
        const correlationId = correlationOf(ctx);
        const emailSent = await deliverInvitation(deps, invitation, correlationId);
        withContext(deps.logger, { tenantId, correlationId }).info(
          { invitationId: invitation.row.id, role, emailSent },
          "member invited",
        );
        // The token is not in the answer: only the invitee's mailbox gets it, so accepting proves the address.
        return { invitation: invitationView(invitation.row), emailSent };
      }),

    acceptInvitation: (req, ctx) =>
      rpc(async () => {
        const owner = await deps.identity.invitationOfToken(sha256(req.invitationToken));
        if (owner === undefined) throw unauthenticated(INVALID_INVITATION);
        const { tenantId } = owner;
        const isOpen = (i: InvitationRow | null): i is InvitationRow =>
          i !== null && i.acceptedAt === null && i.revokedAt === null && i.expiresAt > deps.now();
        const invitation = await db.withTenant(tenantId, (em) => em.findOne(InvitationRow, { id: owner.id }));
        if (!isOpen(invitation)) throw unauthenticated(INVALID_INVITATION);

        // An existing account proves itself (its session, or its password under the login limits);
        // a new one is created with the given name and password.
        const email = invitation.email;
        const existing = await db.withoutTenant((em) => findUserByEmail(em, email));
        const caller = optionalCaller(ctx);
        let newUser: { name: string; passwordHash: string } | undefined;
        if (existing === null) {
          newUser = {
            name: nonBlank("name", req.name),
            passwordHash: await deps.passwords.hashNew(req.password),
          };
        } else if (caller?.kind !== "user" || caller.userId !== existing.id) {
          await checkPassword(deps, { email, password: req.password, header: ctx.requestHeader });
        }

        const correlationId = correlationOf(ctx);
        const accepted = await db.withTenant(tenantId, async (em) => {
          const tenant = await lockTenant(em, tenantId);
          const open = await em.findOne(
            InvitationRow,
            { id: owner.id },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          if (tenant === null || !isOpen(open)) throw unauthenticated(INVALID_INVITATION);
          if (tenant.status === "SUSPENDED") throw new PreconditionError("the tenant is suspended");
          const max = effectiveLimits(tenant.plan, tenant.limits).members;
          const members = await countMembers(em);
          if (max > 0 && members >= max) {
            throw new ConnectError(
              `members limit reached: the tenant's ${tenant.plan} plan allows ${max} members`,
              Code.ResourceExhausted,
            );
          }
          const now = deps.now();
          let user = await findUserByEmail(em, email);
          if (user === null) {
            // Created between the two transactions by a parallel acceptance or sign-up: retry.
            if (newUser === undefined) throw unauthenticated(INVALID_INVITATION);
            // The invitation went to this address only: opening it proved the address.
            user = em.create(UserRow, {
              id: newId(),
              email,
              name: newUser.name,
              passwordHash: newUser.passwordHash,
              platformAdmin: false,
              emailVerifiedAt: now,
              createdAt: now,
              updatedAt: now,
              lastLoginAt: now,
            });
            await em.flush();
          } else if (newUser !== undefined) {
            throw alreadyExists("an account with this email; accept the invitation with its password");
          } else {
            user.lastLoginAt = now;
            markVerified(user, now);
          }
          const membership = em.create(MembershipRow, {
            id: newId(),
            tenantId,
            userId: user.id,
            role: open.role,
            workspaceIds: [...open.workspaceIds],
            createdAt: now,
            updatedAt: now,
            lastLoginAt: now,
          });
          open.acceptedAt = now;
          open.acceptedBy = user.id;
          await em.flush();
          const audit = {
            tenantId,
            actor: { kind: "USER" as const, id: user.id, name: email },
            correlationId,
          };
          recordAudit(em, audit, {
            action: "member.add",
            targetType: "member",
            targetId: user.id,
            after: memberSummary({ email, role: open.role, workspaceIds: open.workspaceIds }),
          });
          const session = await deps.sessions.open(em, { user, membership });
          const member = memberView({
            ...membership,
            email,
            name: user.name,
            joinedAt: membership.createdAt,
          });
          await deps.announce(em, [memberChanged(member, MemberChange.ADDED, correlationId)]);
          return { user, member, tokens: session.pair };
        });
        const { user, member, tokens } = accepted;
        withContext(deps.logger, { tenantId, correlationId }).info(
          { userId: user.id, invitationId: owner.id },
          "invitation accepted",
        );
        return { member, user: userView(user), tokens };
      }, ACCEPT_UNIQUES),
  };
}
