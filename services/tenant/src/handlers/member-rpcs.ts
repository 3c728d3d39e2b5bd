import { MemberChange, type TenantService } from "@atendo/proto/tenant/v1";
import { notFound, permissionDenied } from "@atendo/service-kit";
import { withContext } from "@atendo/telemetry";
import type { ServiceImpl } from "@connectrpc/connect";
import { memberSummary } from "../domain/audit-summary.js";
import { memberChanged } from "../domain/events.js";
import { InvalidInputError } from "../domain/invalid-input.js";
import { decodeKeysetToken, encodeKeysetToken } from "../domain/keyset-token.js";
import { memberView } from "../domain/member-view.js";
import { filterKey, pageSize } from "../domain/page-token.js";
import { PreconditionError } from "../domain/precondition-error.js";
import { roleFromProto } from "../domain/roles.js";
import { recordAudit } from "../store/audit-log.js";
import { countOwners, findMember, listMembers, lockMembership } from "../store/member-repository.js";
import { lockTenant } from "../store/tenant-repository.js";
import { revokeFamiliesOfUser } from "./auth-refresh.js";
import { auditContextOf, requireOwner, tenantOfCall } from "./caller.js";
import { correlationOf } from "./context.js";
import type { HandlerDeps } from "./deps.js";
import { checkWorkspaceIds } from "./invite.js";
import { covers, reachOf, requireGrantable, requireReaches } from "./reach.js";
import { rpc } from "./rpc-errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
        const filters = filterKey({ tenant: tenantId, role: role ?? "", workspace: workspaceId ?? "" });
        const size = pageSize(req.page);
        const after = decodeKeysetToken(req.page?.pageToken ?? "", ["name", "id"] as const, filters);
        if (after !== undefined && !UUID.test(after.id)) {
          throw new InvalidInputError("page.page_token", "is not a token this list returned");
        }
        const rows = await db.withTenant(tenantId, async (em) => {
          // An admin limited to some workspaces sees the members who may use one of them.
          const reach = await reachOf(em, ctx, tenantId);
          if (workspaceId !== undefined && !covers(reach, [workspaceId]))
            throw permissionDenied("you may only list the members of your workspaces");
          const within = reach.workspaceIds.length > 0 ? [...reach.workspaceIds] : undefined;
          return listMembers(em, { role, workspaceId, within, after }, size + 1);
        });
        const page = rows.slice(0, size);
        const last = page.at(-1);
        return {
          members: page.map(memberView),
          page: {
            nextPageToken:
              rows.length > size && last !== undefined
                ? encodeKeysetToken({ name: last.sortName, id: last.userId }, filters)
                : "",
          },
        };
      }),

    updateMemberRole: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const role = roleFromProto(req.role);
        if (role === undefined) throw new InvalidInputError("role", "is not a member role");
        const correlationId = correlationOf(ctx);
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
            throw new PreconditionError("the last owner cannot be demoted: make another member owner first");
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
          await announce(em, [memberChanged(memberView(after), MemberChange.ROLE_CHANGED, correlationId)]);
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
        const correlationId = correlationOf(ctx);
        await db.withTenant(tenantId, async (em) => {
          await lockTenant(em, tenantId);
          const membership = await lockMembership(em, req.userId);
          const before = await findMember(em, req.userId);
          if (membership === null || before === undefined) throw notFound("member", req.userId);
          const reach = await reachOf(em, ctx, tenantId);
          if (reach.userId !== req.userId) requireReaches(reach, before);
          if (membership.role === "OWNER") {
            requireOwner(ctx, "remove owners");
            if ((await countOwners(em)) <= 1) {
              throw new PreconditionError(
                "the last owner cannot be removed: make another member owner first",
              );
            }
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
          await announce(em, [memberChanged(memberView(before), MemberChange.REMOVED, correlationId)]);
        });
        withContext(deps.logger, { tenantId, correlationId }).info({ userId: req.userId }, "member removed");
        return {};
      }),
  };
}
