import { type Db, isUuid, type RequestIds } from "@atendo/db";
import { ErrorReason as CommonReason } from "@atendo/proto/common/v1";
import {
  ErrorReason,
  ErrorReasonSchema,
  ReplayWebhookEventRequestSchema,
  type ReplayWebhookEventResponse,
  ReplayWebhookEventResponseSchema,
  type WebhookEvent,
  WebhookEventSchema,
  WebhookEventStatus,
  WebhookService,
} from "@atendo/proto/ingress/v1";
import {
  callerTenant,
  commonError,
  decodePageToken,
  filterKey,
  notFound,
  oncePerRequest,
  pageOf,
  pageSizeOf,
  reasonError,
  unavailable,
} from "@atendo/service-kit";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectError, ServiceImpl } from "@connectrpc/connect";
import { channelTypeToProto, statusFromProto, statusToProto } from "../domain/webhook-status.js";
import type { WebhookEventEntity } from "../store/webhook-event-entity.js";
import {
  findWebhookEventSummary,
  type WebhookEventFilter,
  type WebhookEventReader,
  type WebhookEventSummary,
} from "../store/webhook-event-reader.js";
import type { ReplayRefusal, WebhookReplayer } from "../webhooks/webhook-replayer.js";

export interface WebhookServiceDeps {
  db: Db;
  events: WebhookEventReader;
  replayer: WebhookReplayer;
  /** First answers of ReplayWebhookEvent by request_id (AIP-155). */
  requestIds: RequestIds;
}

const REPLAY_METHOD = `${WebhookService.typeName}/${WebhookService.method.replayWebhookEvent.name}`;

const REFUSAL_REASONS: Readonly<Record<ReplayRefusal, ErrorReason>> = {
  rejected: ErrorReason.WEBHOOK_EVENT_REJECTED,
  held: ErrorReason.WEBHOOK_EVENT_HELD,
  channel_gone: ErrorReason.WEBHOOK_EVENT_CHANNEL_GONE,
  unparsable: ErrorReason.WEBHOOK_EVENT_UNPARSABLE,
};

function refusedReplay(refusal: ReplayRefusal, message: string, id: string, channelId: string): ConnectError {
  return reasonError(ErrorReasonSchema, REFUSAL_REASONS[refusal], message, {
    webhook_event_id: id,
    channel_id: channelId,
  });
}

export function createWebhookService(deps: WebhookServiceDeps): Partial<ServiceImpl<typeof WebhookService>> {
  const { db, events, replayer, requestIds } = deps;

  // The policy checked that the request's workspace is the caller's; every row is then looked up
  // inside the caller's tenant and that workspace, so another one's id is simply not found.
  return {
    async listWebhookEvents(req, ctx) {
      const size = pageSizeOf(req.pageSize);
      const filters = filterKey({
        workspaceId: req.workspaceId,
        channelId: req.channelId,
        status: req.status,
        receivedFrom: req.received?.startTime === undefined ? null : timestampDate(req.received.startTime),
        receivedBefore: req.received?.endTime === undefined ? null : timestampDate(req.received.endTime),
      });
      // Keyset on the last row's id (UUIDv7, arrival order). A token is encoded, not signed: its
      // cursor reaches the query only as a UUID.
      const [beforeId] = decodePageToken(req.pageToken, filters, 1) ?? [];
      if (beforeId !== undefined && !isUuid(String(beforeId))) {
        throw commonError(CommonReason.INVALID_PAGE_TOKEN, "page_token: does not name a webhook event", {
          field: "page_token",
        });
      }
      const tenantId = callerTenant(ctx);
      const filter: WebhookEventFilter = { workspaceId: req.workspaceId };
      if (req.channelId !== "") filter.channelId = req.channelId;
      const status = statusFromProto(req.status);
      if (req.status !== WebhookEventStatus.UNSPECIFIED && status !== undefined) filter.status = status;
      if (req.received?.startTime !== undefined) filter.receivedFrom = timestampDate(req.received.startTime);
      if (req.received?.endTime !== undefined) filter.receivedBefore = timestampDate(req.received.endTime);
      if (beforeId !== undefined) filter.beforeId = String(beforeId);

      const rows = await events.list(tenantId, filter, size + 1);
      const page = pageOf(rows, size, filters, (row) => [row.id]);
      return { events: page.items.map((r) => toProto(r)), nextPageToken: page.nextPageToken };
    },

    async getWebhookEvent(req, ctx) {
      const tenantId = callerTenant(ctx);
      const row = await events.get(tenantId, req.workspaceId, req.webhookEventId);
      if (row === undefined) throw notFound("webhook event", req.webhookEventId);
      return { event: toProto(row, row.body ?? new Uint8Array()) };
    },

    // The replay and its request id commit together: a retry gets the first answer back without
    // publishing again, and a replay that failed leaves the id free for the next try.
    async replayWebhookEvent(req, ctx) {
      const tenantId = callerTenant(ctx);
      const id = req.webhookEventId;
      return db.withTenant(tenantId, (em) =>
        oncePerRequest(
          em,
          requestIds,
          {
            tenantId,
            method: REPLAY_METHOD,
            requestSchema: ReplayWebhookEventRequestSchema,
            request: req,
            responseSchema: ReplayWebhookEventResponseSchema,
          },
          async (): Promise<ReplayWebhookEventResponse> => {
            const outcome = await replayer.replay(em, tenantId, req.workspaceId, id);
            if (outcome.kind === "not_found") throw notFound("webhook event", id);
            if (outcome.kind === "refused") {
              throw refusedReplay(outcome.refusal, outcome.reason, id, outcome.channelId);
            }
            if (outcome.kind === "unavailable")
              throw unavailable("publishing the events failed; retry later");
            const row = await findWebhookEventSummary(em, req.workspaceId, id);
            if (row === undefined) throw notFound("webhook event", id);
            return create(ReplayWebhookEventResponseSchema, { event: toProto(row) });
          },
        ),
      );
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
