import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const USAGE_OPERATIONS = ["reply", "embedding", "interpretation", "test"] as const;
export type UsageOperationName = (typeof USAGE_OPERATIONS)[number];

export const USAGE_PROVIDERS = ["offline", "openai", "anthropic"] as const;
export type UsageProviderName = (typeof USAGE_PROVIDERS)[number];

/** Tokens and cost of one reply (or other model operation). */
export const UsageRecordEntity = defineEntity({
  name: "UsageRecordEntity",
  tableName: "usage_records",
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    workspaceId: p.uuid(),
    assistantId: p.uuid().nullable(),
    conversationId: p.uuid().nullable(),
    operation: p.enum(USAGE_OPERATIONS).columnType("text"),
    provider: p.enum(USAGE_PROVIDERS).columnType("text"),
    model: p.text(),
    inputTokens: p.bigint(),
    outputTokens: p.bigint(),
    cachedInputTokens: p.bigint(),
    costCurrency: p.text(),
    costNanos: p.bigint(),
    /** Messages the reply sent (0 for a silent handoff, a failure or another operation). */
    replyParts: p.integer(),
    sourceEventId: p.text().nullable(),
    createdAt: p.datetime(),
  },
});
export type UsageRecordEntity = InferEntity<typeof UsageRecordEntity>;
