import type { Db } from "@atendo/db";
import type { CallOptions } from "@connectrpc/connect";
import type { PlanLimits } from "../clients/plan-limits.js";
import { type ExhaustedQuota, quotaReached, utcMonthOf } from "../domain/monthly-quota.js";
import type { UsageRepository } from "../store/usage-repository.js";

/** The plan's monthly AI messages, checked before a reply costs a model call. */
export interface AiMessageQuota {
  /**
   * The used-up quota when the tenant may not have another AI reply this UTC month; undefined
   * when it may. Errors of the limits lookup (a Connect error) and of the count pass through.
   */
  exhausted(tenantId: string, options?: CallOptions): Promise<ExhaustedQuota | undefined>;
}

export function createAiMessageQuota(deps: {
  db: Pick<Db, "withTenant">;
  usage: Pick<UsageRepository, "countReplies">;
  limits: PlanLimits;
  now?: () => Date;
}): AiMessageQuota {
  const now = deps.now ?? (() => new Date());
  return {
    async exhausted(tenantId, options) {
      const limit = await deps.limits.monthlyAiMessages(tenantId, options);
      // Unlimited plans skip the count altogether.
      if (limit === 0) return undefined;
      const month = utcMonthOf(now());
      const used = await deps.db.withTenant(tenantId, (em) => deps.usage.countReplies(em, tenantId, month));
      return quotaReached(limit, used) ? { limit, used, month: month.label } : undefined;
    },
  };
}
