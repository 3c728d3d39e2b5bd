import type { AuthService } from "@atendo/proto/tenant/v1";
import { permissionDenied } from "@atendo/service-kit";
import type { ServiceImpl } from "@connectrpc/connect";
import { userView } from "../domain/member-view.js";
import { roleToProto } from "../domain/roles.js";
import { tenantView, workspaceView } from "../domain/tenant-view.js";
import { findMembership } from "../store/member-repository.js";
import { findTenant } from "../store/tenant-repository.js";
import { findUser } from "../store/user-repository.js";
import { WorkspaceEntity } from "../store/workspace-entity.js";
import { userOf } from "./caller.js";
import type { HandlerDeps } from "./deps.js";
import { rpc } from "./rpc-errors.js";

/** GetCurrentUser: the caller, the tenant of the session, the role and workspaces as stored now. */
export function createCurrentUser(
  deps: HandlerDeps,
): Pick<ServiceImpl<typeof AuthService>, "getCurrentUser"> {
  return {
    getCurrentUser: (_req, ctx) =>
      rpc(async () => {
        const caller = userOf(ctx);
        const found = await deps.db.withTenant(caller.tenantId, async (em) => {
          const membership = await findMembership(em, caller.userId);
          const user = await findUser(em, caller.userId);
          const tenant = await findTenant(em, caller.tenantId);
          if (membership === null || user === null || tenant === null) return undefined;
          const workspaces = await em.find(
            WorkspaceEntity,
            membership.workspaceIds.length === 0 ? {} : { id: { $in: membership.workspaceIds } },
            { orderBy: { id: "asc" } },
          );
          return { membership, user, tenant, workspaces };
        });
        // A member removed since the token was signed: the token outlives the membership by minutes.
        if (found === undefined) throw permissionDenied("you are no longer a member of this tenant");
        return {
          user: userView(found.user),
          tenant: tenantView(found.tenant),
          role: roleToProto(found.membership.role),
          workspaces: found.workspaces.map(workspaceView),
          platformAdmin: deps.sessions.isPlatformAdmin(found.user),
        };
      }),
  };
}
