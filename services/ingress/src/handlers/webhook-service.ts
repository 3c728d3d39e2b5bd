import { PageResponseSchema } from "@atendo/proto/common/v1";
import {
  type WebhookEvent,
  WebhookEventSchema,
  WebhookEventStatus,
  type WebhookService,
} from "@atendo/proto/ingress/v1";
import {
  callerTenant,
  failedPrecondition,
  invalidArgument,
  notFound,
  unavailable,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { decodePageToken, encodePageToken } from "../domain/page-token.js";
import { channelTypeToProto, statusFromProto, statusToProto } from "../domain/webhook-status.js";
import type { WebhookEventEntity } from "../store/webhook-event-entity.js";
import type {
  WebhookEventFilter,
  WebhookEventReader,
  WebhookEventSummary,
} from "../store/webhook-event-reader.js";
import type { WebhookReplayer } from "../webhooks/webhook-replayer.js";

export interface WebhookServiceDeps {
  events: WebhookEventReader;
  replayer: WebhookReplayer;
}

const DEFAULT_PAGE_SIZE = 50;

export function createWebhookService(deps: WebhookServiceDeps): Partial<ServiceImpl<typeof WebhookService>> {
  const { events, replayer } = deps;

  // The policy checked that the request's workspace is the caller's; every row is then looked up
  // inside the caller's tenant and that workspace, so another one's id is simply not found.
  return {
    async listWebhookEvents(req, ctx) {
      let beforeId: string | undefined;
      try {
        beforeId = decodePageToken(req.page?.pageToken ?? "");
      } catch {
        throw invalidArgument("page.page_token", "is not a token returned by this list");
      }
      const tenantId = callerTenant(ctx);
      const pageSize = req.page?.pageSize || DEFAULT_PAGE_SIZE;
      const filter: WebhookEventFilter = { workspaceId: req.workspaceId };
      if (req.channelId !== "") filter.channelId = req.channelId;
      const status = statusFromProto(req.status);
      if (req.status !== WebhookEventStatus.UNSPECIFIED && status !== undefined) filter.status = status;
      if (req.received?.startTime !== undefined) filter.receivedFrom = timestampDate(req.received.startTime);
      if (req.received?.endTime !== undefined) filter.receivedBefore = timestampDate(req.received.endTime);
      if (beforeId !== undefined) filter.beforeId = beforeId;

      const rows = await events.list(tenantId, filter, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        events: page.map((r) => toProto(r)),
        page: create(PageResponseSchema, {
          nextPageToken: rows.length > pageSize && last !== undefined ? encodePageToken(last.id) : "",
        }),
      };
    },

    async getWebhookEvent(req, ctx) {
      const tenantId = callerTenant(ctx);
      const row = await events.get(tenantId, req.workspaceId, req.webhookEventId);
      if (row === undefined) throw notFound("webhook event", req.webhookEventId);
      return { event: toProto(row, row.body ?? new Uint8Array()) };
    },

    async replayWebhookEvent(req, ctx) {
      const tenantId = callerTenant(ctx);
      const outcome = await replayer.replay(tenantId, req.workspaceId, req.webhookEventId);
      if (outcome.kind === "not_found") throw notFound("webhook event", req.webhookEventId);
      if (outcome.kind === "refused") throw failedPrecondition(outcome.reason);
      if (outcome.kind === "unavailable") throw unavailable("publishing the events failed; retry later");
      const row = await events.get(tenantId, req.workspaceId, req.webhookEventId);
      if (row === undefined) throw notFound("webhook event", req.webhookEventId);
      return { event: toProto(row, row.body ?? new Uint8Array()) };
    },
  };
}

function toProto(row: WebhookEventSummary | WebhookEventEntity, body?: Uint8Array): WebhookEvent {
  return create(WebhookEventSchema, {
    id: row.id,
    tenantId: row.tenantId,
    workspaceId: row.workspaceId,
    channelId: row.channelId,
    channelType: channelTypeToProto(row.channelType),
    status: statusToProto(row.status),
    reason: row.reason,
    receivedAt: timestampFromDate(row.receivedAt),
    ...(row.processedAt ? { processedAt: timestampFromDate(row.processedAt) } : {}),
    correlationId: row.id,
    ...(body === undefined ? {} : { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }),
    messageCount: row.messageCount,
    statusCount: row.statusCount,
    bodySize: row.bodySize,
    attempts: row.attempts,
    ...(row.nextAttemptAt ? { nextAttemptAt: timestampFromDate(row.nextAttemptAt) } : {}),
    lastError: row.lastError,
    bodySha256: row.bodySha256 ? Buffer.from(row.bodySha256).toString("hex") : "",
    sourceIp: row.sourceIp,
    requestHeaders: row.requestHeaders ?? {},
  });
}
