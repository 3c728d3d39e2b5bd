import { ErrorReason as CommonReason } from "@atendo/proto/common/v1";
import { ErrorReason, ErrorReasonSchema } from "@atendo/proto/tenant/v1";
import {
  commonError,
  type ErrorMetadata,
  planLimitReached,
  rateLimited,
  reasonError,
} from "@atendo/service-kit";
import type { ConnectError } from "@connectrpc/connect";
import type { LimitProblem } from "../domain/plan-limits.js";

/** An error with a reason of the tenant service's own catalogue (atendo.tenant.v1.ErrorReason). */
export function tenantError(reason: ErrorReason, message: string, metadata?: ErrorMetadata): ConnectError {
  return reasonError(ErrorReasonSchema, reason, message, metadata);
}

/** Changes of a suspended tenant are refused, a platform admin's included; reads go on. */
export function tenantSuspended(): ConnectError {
  return commonError(CommonReason.TENANT_SUSPENDED, "the tenant is suspended");
}

/** The tenant's plan allows no more of something (PLAN_LIMIT_REACHED, with the limit and its max). */
export function planLimitError(problem: LimitProblem): ConnectError {
  return planLimitReached(problem.limit, problem.max, problem.message);
}

/** A throttle is full until its window ends (RATE_LIMITED, `retry_after_s` rounded up). */
export function throttled(message: string, retryAfterMs: number): ConnectError {
  return rateLimited(message, Math.max(1, Math.ceil(retryAfterMs / 1000)));
}

/** Another tenant has this slug. */
export function slugTaken(slug: string): ConnectError {
  return tenantError(ErrorReason.SLUG_TAKEN, `a tenant with slug "${slug}" already exists`, { slug });
}
