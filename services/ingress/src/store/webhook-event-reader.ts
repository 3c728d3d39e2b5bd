import type { Db, EntityManager } from "@atendo/db";
import type { FilterQuery } from "@mikro-orm/core";
import type { StoredStatus } from "../domain/webhook-status.js";
import { WebhookEventEntity } from "./webhook-event-entity.js";

/** A stored delivery without its body (lists). */
export type WebhookEventSummary = Omit<WebhookEventEntity, "body">;

export interface WebhookEventFilter {
  workspaceId: string;
  channelId?: string;
  status?: StoredStatus;
  receivedFrom?: Date;
  receivedBefore?: Date;
  /** Keyset: only rows with a smaller id (older) than this one. */
  beforeId?: string;
}

/** The read side of ingress.webhook_events, always inside the tenant's unit of work (RLS). */
export interface WebhookEventReader {
  /** Newest first, without bodies. */
  list(tenantId: string, filter: WebhookEventFilter, limit: number): Promise<WebhookEventSummary[]>;
  get(tenantId: string, workspaceId: string, id: string): Promise<WebhookEventEntity | undefined>;
}

/** The columns of a summary, without what the ORM adds to a loaded row. */
type SummaryColumns = Pick<WebhookEventSummary, Extract<keyof WebhookEventSummary, string>>;

function summaryOf(r: SummaryColumns): WebhookEventSummary {
  return {
    id: r.id,
    tenantId: r.tenantId,
    workspaceId: r.workspaceId,
    channelId: r.channelId,
    channelType: r.channelType,
    status: r.status,
    reason: r.reason,
    bodySize: r.bodySize,
    messageCount: r.messageCount,
    statusCount: r.statusCount,
    receivedAt: r.receivedAt,
    processedAt: r.processedAt,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    lastError: r.lastError,
    bodySha256: r.bodySha256,
    sourceIp: r.sourceIp,
    requestHeaders: r.requestHeaders,
  };
}

/** One delivery without its body, read in the caller's tenant transaction (it sees what it changed). */
export async function findWebhookEventSummary(
  em: EntityManager,
  workspaceId: string,
  id: string,
): Promise<WebhookEventSummary | undefined> {
  const row = await em.findOne(WebhookEventEntity, { id, workspaceId }, { exclude: ["body"] });
  return row === null ? undefined : summaryOf(row);
}

export function createWebhookEventReader(db: Db): WebhookEventReader {
  return {
    list(tenantId, filter, limit) {
      const where: FilterQuery<WebhookEventEntity> = { workspaceId: filter.workspaceId };
      if (filter.channelId !== undefined) where.channelId = filter.channelId;
      if (filter.status !== undefined) where.status = filter.status;
      if (filter.beforeId !== undefined) where.id = { $lt: filter.beforeId };
      if (filter.receivedFrom !== undefined || filter.receivedBefore !== undefined) {
        where.receivedAt = {
          ...(filter.receivedFrom === undefined ? {} : { $gte: filter.receivedFrom }),
          ...(filter.receivedBefore === undefined ? {} : { $lt: filter.receivedBefore }),
        };
      }
      return db.withTenant(tenantId, async (em) => {
        const rows = await em.find(WebhookEventEntity, where, {
          orderBy: { id: "desc" },
          limit,
          exclude: ["body"],
        });
        return rows.map(summaryOf);
      });
    },
    get(tenantId, workspaceId, id) {
      return db.withTenant(
        tenantId,
        async (em) => (await em.findOne(WebhookEventEntity, { id, workspaceId })) ?? undefined,
      );
    },
  };
}
