import { rateLimited, type VisitorPrincipal } from "@atendo/service-kit";
import type { WidgetDeps } from "./widget-deps.js";

const LIMIT_MESSAGES = {
  visitor: "too many messages from this visitor; wait before sending again",
  site: "this site receives too many messages right now; wait before sending again",
  ip: "too many requests from this address",
} as const;

/**
 * Counts one visitor message against the per-visitor and per-site limits (an attachment counts when
 * its upload is created); past either, `resource_exhausted` RATE_LIMITED with retry_after_s.
 */
export async function admitMessage(
  deps: Pick<WidgetDeps, "limiter">,
  visitor: VisitorPrincipal,
): Promise<void> {
  const admission = await deps.limiter.admitMessage(visitor.channelId, visitor.visitorId);
  if (!admission.admitted) {
    throw rateLimited(LIMIT_MESSAGES[admission.scope], Math.ceil(admission.retryAfterMs / 1000));
  }
}
