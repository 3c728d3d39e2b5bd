import type { Db } from "@atendo/db";
import type { DeliveryService } from "@atendo/proto/delivery/v1";
import { forwardCallOptions, invalidArgument, notFound, unavailable } from "@atendo/service-kit";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { WorkspaceDirectory } from "../clients/tenant-workspaces.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "../domain/page-token.js";
import { listAttemptsPage, listDeliveryAttempts } from "../store/attempts.js";
import { findDelivery } from "../store/deliveries.js";
import { fromAttemptOutcome, toDeliveryAttempt, toDeliveryState } from "./delivery-mapping.js";

export interface DeliveryServiceDeps {
  db: Db;
  workspaces: WorkspaceDirectory;
}

export function createDeliveryService(
  deps: DeliveryServiceDeps,
): Partial<ServiceImpl<typeof DeliveryService>> {
  const { db, workspaces } = deps;

  // Authentication arrives in a later issue; until then the workspace's tenant scopes every read.
  async function tenantOf(workspaceId: string, ctx: HandlerContext): Promise<string> {
    let tenantId: string | undefined;
    try {
      tenantId = await workspaces.tenantOf(workspaceId, forwardCallOptions(ctx));
    } catch {
      throw unavailable("the tenant service could not be reached; try again");
    }
    if (tenantId === undefined) throw notFound("workspace", workspaceId);
    return tenantId;
  }

  return {
    async getDeliveryStatus(req, ctx) {
      const tenantId = await tenantOf(req.workspaceId, ctx);
      return db.withTenant(tenantId, async (em) => {
        const delivery = await findDelivery(em, req.workspaceId, req.messageId);
        if (delivery === null) throw notFound("delivery of message", req.messageId);
        const attempts = await listDeliveryAttempts(em, delivery.id);
        return { state: toDeliveryState(delivery), attempts: attempts.map(toDeliveryAttempt) };
      });
    },

    async listAttempts(req, ctx) {
      const size = pageSizeOf(req.page?.pageSize);
      const token = req.page?.pageToken ?? "";
      const before = token === "" ? undefined : decodePageToken(token);
      if (token !== "" && before === undefined)
        throw invalidArgument("page.page_token", "is not a valid page token");
      const tenantId = await tenantOf(req.workspaceId, ctx);
      const outcome = fromAttemptOutcome(req.outcome);
      const rows = await db.withTenant(tenantId, (em) =>
        listAttemptsPage(
          em,
          {
            workspaceId: req.workspaceId,
            ...(req.messageId === "" ? {} : { messageId: req.messageId }),
            ...(req.channelId === "" ? {} : { channelId: req.channelId }),
            ...(outcome === undefined ? {} : { outcome }),
            ...(before === undefined ? {} : { before }),
          },
          size + 1,
        ),
      );
      const page = rows.slice(0, size);
      const lastRow = page.at(-1);
      const more = rows.length > size && lastRow !== undefined;
      return {
        attempts: page.map(toDeliveryAttempt),
        page: { nextPageToken: more ? encodePageToken(lastRow.id) : "" },
      };
    },
  };
}
