import { type Db, isUuid } from "@atendo/db";
import { ErrorReason } from "@atendo/proto/common/v1";
import type { DeliveryService } from "@atendo/proto/delivery/v1";
import {
  callerTenant,
  commonError,
  decodePageToken,
  filterKey,
  notFound,
  pageOf,
  pageSizeOf,
} from "@atendo/service-kit";
import type { ServiceImpl } from "@connectrpc/connect";
import { listAttemptsPage, listDeliveryAttempts } from "../store/attempts.js";
import { findDelivery } from "../store/deliveries.js";
import { fromAttemptOutcome, toDeliveryAttempt, toDeliveryState } from "./delivery-mapping.js";

export interface DeliveryServiceDeps {
  db: Db;
}

/** ListAttempts' message_id naming every message of the workspace (AIP-159). */
const EVERY_MESSAGE = "-";

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
      const size = pageSizeOf(req.pageSize);
      const filters = filterKey({
        workspaceId: req.workspaceId,
        messageId: req.messageId,
        channelId: req.channelId,
        outcome: req.outcome,
      });
      // The cursor is the last attempt's id (UUIDv7, in start order); the token is only encoded, so
      // a forged one must not reach the query as anything but a UUID.
      const [before] = decodePageToken(req.pageToken, filters, 1) ?? [];
      if (before !== undefined && !isUuid(String(before))) {
        throw commonError(ErrorReason.INVALID_PAGE_TOKEN, "page_token: does not name an attempt", {
          field: "page_token",
        });
      }
      const tenantId = callerTenant(ctx);
      const outcome = fromAttemptOutcome(req.outcome);
      const rows = await db.withTenant(tenantId, (em) =>
        listAttemptsPage(
          em,
          {
            workspaceId: req.workspaceId,
            ...(req.messageId === EVERY_MESSAGE ? {} : { messageId: req.messageId }),
            ...(req.channelId === "" ? {} : { channelId: req.channelId }),
            ...(outcome === undefined ? {} : { outcome }),
            ...(before === undefined ? {} : { before: String(before) }),
          },
          size + 1,
        ),
      );
      const page = pageOf(rows, size, filters, (row) => [row.id]);
      return { attempts: page.items.map(toDeliveryAttempt), nextPageToken: page.nextPageToken };
    },
  };
}
