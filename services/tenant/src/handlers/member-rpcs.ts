import { ErrorReason, MemberChange, type TenantService } from "@atendo/proto/tenant/v1";
import { notFound, permissionDenied } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { memberSummary } from "../domain/audit-summary.js";
import { memberChanged } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { memberView } from "../domain/member-view.js";
import { roleFromProto } from "../domain/roles.js";
import { recordAudit } from "../store/audit-log.js";
import { countOwners, findMember, listMembers, lockMembership } from "../store/member-repository.js";
import { lockTenant } from "../store/tenant-repository.js";
import { revokeFamiliesOfUser } from "./auth-refresh.js";
import { auditContextOf, originOf, requireOwner, tenantOfCall } from "./caller.js";
import type { HandlerDeps } from "./deps.js";
import { checkWorkspaceIds } from "./invite.js";
import { listPage, nameIdAfter } from "./page-cursor.js";
import { covers, reachOf, requireGrantable, requireReaches } from "./reach.js";
import { rpc } from "./rpc-errors.js";
import { tenantError } from "./tenant-errors.js";

/** The change would leave the tenant without an owner. */
const lastOwner = (userId: string, what: string) =>
  tenantError(ErrorReason.LAST_OWNER, `the last owner cannot be ${what}: make another member owner first`, {
    user_id: userId,
  });

/**
 * ListMembers, UpdateMemberRole, RemoveMember; a tenant always keeps an owner, nobody changes their
 * own access, and an admin limited to some workspaces sees and manages only members within them.
 */
export function createMemberRpcs(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof TenantService>, "listMembers" | "updateMemberRole" | "removeMember"> {
  const { db, announce } = deps;
  return {
    listMembers: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const role = roleFromProto(req.role);
        const workspaceId = req.workspaceId === "" ? undefined : req.workspaceId;
        const page = listPage(req, {
          list: "members",
          tenant: tenantId,
          role: role ?? "",
          workspace: workspaceId ?? "",
        });
        const after = nameIdAfter(req.pageToken, page.filters);
        const rows = await db.withTenant(tenantId, async (em) => {
          // An admin limited to some workspaces sees the members who may use one of them.
          const reach = await reachOf(em, ctx, tenantId);
          if (workspaceId !== undefined && !covers(reach, [workspaceId]))
            throw permissionDenied("you may only list the members of your workspaces");
          const within = reach.workspaceIds.length > 0 ? [...reach.workspaceIds] : undefined;
          return listMembers(em, { role, workspaceId, within, after }, page.size + 1);
        });
        const { items, nextPageToken } = page.of(rows, (m) => [m.sortName, m.userId]);
        return { members: items.map(memberView), nextPageToken };
      }),

    updateMemberRole: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const role = roleFromProto(req.role);
        if (role === undefined) throw new InvalidInputError("role", "is not a member role");
        const origin = originOf(ctx, tenantId);
        const { correlationId } = origin;
        const outcome = await db.withTenant(tenantId, async (em) => {
          await lockTenant(em, tenantId);
          const membership = await lockMembership(em, req.userId);
          const before = await findMember(em, req.userId);
          if (membership === null || before === undefined) throw notFound("member", req.userId);
          const reach = await reachOf(em, ctx, tenantId);
          requireReaches(reach, before);
          // A refresh would carry the change into their own token: nobody raises their own access.
          if (reach.userId === req.userId)
            throw permissionDenied("you cannot change your own role or workspaces: ask another admin");
          if (membership.role === "OWNER" || role === "OWNER") requireOwner(ctx, "make or change owners");
          requireGrantable(reach, role, req.workspaceIds);
          await checkWorkspaceIds(em, "workspace_ids", req.workspaceIds);
          if (membership.role === "OWNER" && role !== "OWNER" && (await countOwners(em)) <= 1) {
            throw lastOwner(req.userId, "demoted");
          }
          const workspaceIds = [...req.workspaceIds];
          const changed =
            membership.role !== role ||
            JSON.stringify([...membership.workspaceIds].sort()) !== JSON.stringify([...workspaceIds].sort());
          if (!changed) return { member: before, changed };
          membership.role = role;
          membership.workspaceIds = workspaceIds;
          membership.updatedAt = deps.now();
          const after = { ...before, role, workspaceIds };
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "member.role_update",
            targetType: "member",
            targetId: req.userId,
            before: memberSummary(before),
            after: memberSummary(after),
          });
          await announce(em, [memberChanged(memberView(after), MemberChange.ROLE_CHANGED, origin)]);
          return { member: after, changed };
        });
        const member = memberView(outcome.member);
        if (outcome.changed) {
          withContext(deps.logger, { tenantId, correlationId }).info(
            { userId: req.userId, role },
            "member role changed",
          );
        }
        return { member };
      }),

    removeMember: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const origin = originOf(ctx, tenantId);
        const { correlationId } = origin;
        await db.withTenant(tenantId, async (em) => {
          await lockTenant(em, tenantId);
          const membership = await lockMembership(em, req.userId);
          const before = await findMember(em, req.userId);
          if (membership === null || before === undefined) throw notFound("member", req.userId);
          const reach = await reachOf(em, ctx, tenantId);
          if (reach.userId !== req.userId) requireReaches(reach, before);
          if (membership.role === "OWNER") {
            requireOwner(ctx, "remove owners");
            if ((await countOwners(em)) <= 1) throw lastOwner(req.userId, "removed");
          }
          em.remove(membership);
          // Their sessions end with the membership; access tokens expire within minutes.
          await revokeFamiliesOfUser(em, req.userId, deps.now());
          recordAudit(em, await auditContextOf(em, ctx, tenantId), {
            action: "member.remove",
            targetType: "member",
            targetId: req.userId,
            before: memberSummary(before),
          });
          await announce(em, [memberChanged(memberView(before), MemberChange.REMOVED, origin)]);
        });
        withContext(deps.logger, { tenantId, correlationId }).info({ userId: req.userId }, "member removed");
        return {};
      }),
  };
}
