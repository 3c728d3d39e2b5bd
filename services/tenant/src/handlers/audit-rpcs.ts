import type { TenantService } from "@atendo/proto/tenant/v1";
import { permissionDenied } from "@atendo/service-kit";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { auditEntryView } from "../domain/audit-view.js";
import { listAudit } from "../store/audit-log.js";
import { tenantOfCall } from "./caller.js";
import type { HandlerDeps } from "./deps.js";
import { listPage, uuidAfter } from "./page-cursor.js";
import { covers, reachOf } from "./reach.js";
import { rpc } from "./rpc-errors.js";

const orUndefined = (value: string) => (value === "" ? undefined : value);

/** ListAuditLog: newest first, filtered, keyset-paginated on the time-ordered ids. */
export function createAuditRpcs(deps: HandlerDeps): Pick<ServiceImpl<typeof TenantService>, "listAuditLog"> {
  return {
    listAuditLog: (req, ctx) =>
      rpc(async () => {
        const tenantId = tenantOfCall(ctx, req.tenantId);
        const range = req.timeRange;
        const from = range?.startTime === undefined ? undefined : timestampDate(range.startTime);
        const to = range?.endTime === undefined ? undefined : timestampDate(range.endTime);
        const page = listPage(req, {
          list: "audit",
          tenant: tenantId,
          workspace: req.workspaceId,
          actor: req.actorId,
          action: req.action,
          target: req.targetId,
          from: from?.toISOString() ?? "",
          to: to?.toISOString() ?? "",
        });
        const before = uuidAfter(req.pageToken, page.filters);
        const rows = await deps.db.withTenant(tenantId, async (em) => {
          // An admin limited to some workspaces reads the entries of those workspaces only.
          const reach = await reachOf(em, ctx, tenantId);
          if (req.workspaceId !== "" && !covers(reach, [req.workspaceId]))
            throw permissionDenied("you may only read the audit log of your workspaces");
          return listAudit(
            em,
            {
              workspaceId: orUndefined(req.workspaceId),
              workspaceIds: reach.workspaceIds.length > 0 ? [...reach.workspaceIds] : undefined,
              actorId: orUndefined(req.actorId),
              action: orUndefined(req.action),
              targetId: orUndefined(req.targetId),
              from,
              to,
              before,
            },
            page.size + 1,
          );
        });
        const { items, nextPageToken } = page.of(rows, (e) => [e.id]);
        return { entries: items.map(auditEntryView), nextPageToken };
      }),
  };
}
