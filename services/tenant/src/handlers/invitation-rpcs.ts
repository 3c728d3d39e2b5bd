import { newId } from "@atendo/db";
import { ErrorReason, MemberChange, TenantService } from "@atendo/proto/tenant/v1";
import { principalOf } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { LockMode } from "@mikro-orm/core";
import { memberSummary } from "../domain/audit-summary.js";
import { normalizeEmail } from "../domain/email.js";
import { memberChanged } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { invitationView, memberView, userView } from "../domain/member-view.js";
import { sha256 } from "../domain/opaque-token.js";
import { effectiveLimits, limitProblem } from "../domain/plan-limits.js";
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
  userOrigin,
} from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { deliverInvitation, inviteInTransaction } from "./invite.js";
import { oncePer } from "./once-per-request.js";
import { reachOf, requireGrantable } from "./reach.js";
import { rpc } from "./rpc-errors.js";
import { planLimitError, tenantError, tenantSuspended } from "./tenant-errors.js";

const invalidInvitation = () => tenantError(ErrorReason.INVITATION_INVALID, "invalid or expired invitation");
const emailTaken = (hint = "") =>
  tenantError(ErrorReason.EMAIL_TAKEN, `an account with this email already exists${hint}`);

/** A fresh error each call: an error is never shared between requests. */
const acceptUniques = () => ({
  memberships_tenant_user_key: "a membership of this user in this tenant",
  users_email_key: emailTaken(),
});

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
        const correlationId = correlationOf(ctx);
        const answer = await db.withTenant(tenantId, (em) =>
          oncePer(
            deps.requestIds,
            em,
            TenantService.method.inviteMember,
            { tenantId, request: req },
            async () => {
              await requireVerifiedEmail(em, ctx, "invite members");
              // Nobody hands out more than they hold: not a higher role, not other (or all) workspaces.
              requireGrantable(await reachOf(em, ctx, tenantId), role, req.workspaceIds);
              const invitation = await inviteInTransaction(
                em,
                deps,
                await auditContextOf(em, ctx, tenantId),
                {
                  email: normalizeEmail(req.email),
                  role,
                  workspaceIds: [...req.workspaceIds],
                  invitedBy,
                },
              );
              // Written before it is mailed, and mailed before the commit: the answer kept for
              // retries says whether the link went out. The token is not in the answer: only the
              // invitee's mailbox gets it, so accepting proves the address.
              await em.flush();
              const emailSent = await deliverInvitation(deps, invitation, correlationId);
              return { invitation: invitationView(invitation.row), emailSent };
            },
          ),
        );
        withContext(deps.logger, { tenantId, correlationId }).info(
          { invitationId: answer.invitation?.id, role, emailSent: answer.emailSent },
          "member invited",
        );
        return answer;
      }),

    acceptInvitation: (req, ctx) =>
      rpc(async () => {
        const owner = await deps.identity.invitationOfToken(sha256(req.invitationToken));
        if (owner === undefined) throw invalidInvitation();
        const { tenantId } = owner;
        const isOpen = (i: InvitationRow | null): i is InvitationRow =>
          i !== null && i.acceptedAt === null && i.revokedAt === null && i.expiresAt > deps.now();
        const invitation = await db.withTenant(tenantId, (em) => em.findOne(InvitationRow, { id: owner.id }));
        if (!isOpen(invitation)) throw invalidInvitation();

        // An existing account proves itself (its own session, or its password under the login
        // limits); a new one is created with the given name and password.
        const email = invitation.email;
        const existing = await db.withoutTenant((em) => findUserByEmail(em, email));
        const caller = optionalCaller(ctx);
        let newUser: { name: string; passwordHash: string } | undefined;
        if (existing === null) {
          const name = nonBlank("name", req.name);
          if (req.password === "") throw new InvalidInputError("password", "is required for a new account");
          newUser = { name, passwordHash: await deps.passwords.hashNew(req.password) };
        } else if (caller?.kind !== "user" || caller.userId !== existing.id) {
          if (req.password === "") {
            throw new InvalidInputError(
              "password",
              "is required: the account's password, or call with the account's own session",
            );
          }
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
          if (tenant === null || !isOpen(open)) throw invalidInvitation();
          if (tenant.status === "SUSPENDED") throw tenantSuspended();
          const problem = limitProblem(
            "members",
            tenant.plan,
            effectiveLimits(tenant.plan, tenant.limits),
            await countMembers(em),
          );
          if (problem !== undefined) throw planLimitError(problem);
          const now = deps.now();
          let user = await findUserByEmail(em, email);
          if (user === null) {
            // Created between the two transactions by a parallel acceptance or sign-up: retry.
            if (newUser === undefined) throw invalidInvitation();
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
            throw emailTaken("; accept the invitation with its password");
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
          await deps.announce(em, [memberChanged(member, MemberChange.ADDED, userOrigin(ctx, user.id))]);
          return { user, member, tokens: session.pair };
        });
        const { user, member, tokens } = accepted;
        withContext(deps.logger, { tenantId, correlationId }).info(
          { userId: user.id, invitationId: owner.id },
          "invitation accepted",
        );
        return { member, user: userView(user), tokens };
      }, acceptUniques()),
  };
}
