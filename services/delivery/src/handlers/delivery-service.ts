import type { Db } from "@atendo/db";
import type { DeliveryService } from "@atendo/proto/delivery/v1";
import { callerTenant, invalidArgument, notFound } from "@atendo/service-kit";
import type { ServiceImpl } from "@connectrpc/connect";
import { decodePageToken, encodePageToken, pageSizeOf } from "../domain/page-token.js";
import { listAttemptsPage, listDeliveryAttempts } from "../store/attempts.js";
import { findDelivery } from "../store/deliveries.js";
import { fromAttemptOutcome, toDeliveryAttempt, toDeliveryState } from "./delivery-mapping.js";

export interface DeliveryServiceDeps {
  db: Db;
}

export function createDeliveryService(
  deps: DeliveryServiceDeps,
): Partial<ServiceImpl<typeof DeliveryService>> {
  const { db } = deps;

  // Reads run in the caller's tenant (RLS) and are filtered by the request's workspace, so a message
  // of another workspace or tenant is not_found.
  return {
    async getDeliveryStatus(req, ctx) {
      const tenantId = callerTenant(ctx);
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
      const tenantId = callerTenant(ctx);
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
