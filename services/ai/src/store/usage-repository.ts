import { type EntityManager, newId } from "@atendo/db";
import { UsageOperation } from "@atendo/proto/ai/v1";
import { ModelProvider, type Usage } from "@atendo/proto/common/v1";
import { type UsageOperationName, type UsageProviderName, UsageRecordEntity } from "./usage-record-entity.js";

const OPERATION: Partial<Record<UsageOperation, UsageOperationName>> = {
  [UsageOperation.REPLY]: "reply",
  [UsageOperation.EMBEDDING]: "embedding",
  [UsageOperation.INTERPRETATION]: "interpretation",
  [UsageOperation.TEST]: "test",
};

const PROVIDER: Partial<Record<ModelProvider, UsageProviderName>> = {
  [ModelProvider.OFFLINE]: "offline",
  [ModelProvider.OPENAI]: "openai",
  [ModelProvider.ANTHROPIC]: "anthropic",
};

export interface UsageEntry {
  tenantId: string;
  workspaceId: string;
  assistantId: string | undefined;
  conversationId: string | undefined;
  operation: UsageOperation;
  usage: Usage;
  /** Messages (bubbles) the reply had; 0 when it said nothing or for other operations. */
  replyParts: number;
  /** The event (or request) the usage was for; one record per event. */
  sourceEventId: string | undefined;
}

/** A span of time, start included, end excluded. */
export interface Period {
  start: Date;
  end: Date;
}

export interface UsageRepository {
  /** Adds a record inside the caller's tenant transaction. */
  record(em: EntityManager, entry: UsageEntry): Promise<void>;
  /**
   * The tenant's AI replies in the period, as the plan counts them: conversation replies that sent
   * at least one message (playground tests, silent handoffs and failures are not counted).
   */
  countReplies(em: EntityManager, tenantId: string, period: Period): Promise<number>;
}

export function createUsageRepository(): UsageRepository {
  return {
    async record(em, e) {
      const operation = OPERATION[e.operation];
      const provider = PROVIDER[e.usage.provider];
      if (operation === undefined || provider === undefined) {
        throw new Error(
          `usage record needs an operation and a provider (got ${e.operation}, ${e.usage.provider})`,
        );
      }
      const cost = e.usage.cost;
      em.create(UsageRecordEntity, {
        id: newId(),
        tenantId: e.tenantId,
        workspaceId: e.workspaceId,
        assistantId: e.assistantId ?? null,
        conversationId: e.conversationId ?? null,
        operation,
        provider,
        model: e.usage.model,
        inputTokens: e.usage.inputTokens,
        outputTokens: e.usage.outputTokens,
        cachedInputTokens: e.usage.cachedInputTokens,
        costCurrency: cost?.currencyCode || "USD",
        costNanos: (cost?.units ?? 0n) * 1_000_000_000n + BigInt(cost?.nanos ?? 0),
        replyParts: e.replyParts,
        sourceEventId: e.sourceEventId ?? null,
        createdAt: new Date(),
      });
      await em.flush();
    },

    countReplies(em, tenantId, period) {
      // Matches the partial index usage_records_tenant_replies.
      return em.count(UsageRecordEntity, {
        tenantId,
        operation: "reply",
        replyParts: { $gt: 0 },
        createdAt: { $gte: period.start, $lt: period.end },
      });
    },
  };
}
