import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A row of ingress.webhook_events, for the read side (RPCs). The hot path writes through Kysely. */
export const WebhookEventEntity = defineEntity({
  name: "WebhookEvent",
  tableName: "webhook_events",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    channelId: p.uuid(),
    channelType: p.text(),
    status: p.text(),
    reason: p.text(),
    body: p.blob(),
    bodySize: p.integer(),
    messageCount: p.integer(),
    statusCount: p.integer(),
    receivedAt: p.datetime(),
    processedAt: p.datetime().nullable(),
    attempts: p.integer(),
    nextAttemptAt: p.datetime().nullable(),
    lastError: p.text(),
    bodySha256: p.blob().nullable(),
    sourceIp: p.text(),
    requestHeaders: p.json<Record<string, string>>(),
  },
});
export type WebhookEventEntity = InferEntity<typeof WebhookEventEntity>;
