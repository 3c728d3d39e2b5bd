import { ErrorReason, ErrorReasonSchema } from "@atendo/proto/common/v1";
import type { ConnectError } from "@connectrpc/connect";
import { type ErrorMetadata, reasonError } from "./reason-error.js";

// Messages reach API callers: name the thing and the rule, never internals. Each error carries the
// reason of the shared catalogue (atendo.common.v1.ErrorReason) that fits it.

/** An error with a reason shared by every service. */
export function commonError(reason: ErrorReason, message: string, metadata?: ErrorMetadata): ConnectError {
  return reasonError(ErrorReasonSchema, reason, message, metadata);
}

export function notFound(what: string, id: string): ConnectError {
  return commonError(ErrorReason.NOT_FOUND, `${what} ${id} not found`, { resource: what, id });
}

export function invalidArgument(field: string, reason: string): ConnectError {
  return commonError(ErrorReason.INVALID_ARGUMENT, `${field}: ${reason}`, { field });
}

export function alreadyExists(what: string): ConnectError {
  return commonError(ErrorReason.ALREADY_EXISTS, `${what} already exists`, { resource: what });
}

export function failedPrecondition(reason: string): ConnectError {
  return commonError(ErrorReason.FAILED_PRECONDITION, reason);
}

export function permissionDenied(reason: string): ConnectError {
  return commonError(ErrorReason.PERMISSION_DENIED, reason);
}

export function unauthenticated(reason: string): ConnectError {
  return commonError(ErrorReason.UNAUTHENTICATED, reason);
}

export function unavailable(reason: string): ConnectError {
  return commonError(ErrorReason.UNAVAILABLE, reason);
}

/** The resource changed since the caller read it (AIP-154). */
export function etagMismatch(what: string, id: string): ConnectError {
  return commonError(
    ErrorReason.ETAG_MISMATCH,
    `${what} ${id} changed since it was read (etag mismatch); read it again and reapply the change`,
    { resource: what, id },
  );
}

/** The tenant's plan allows no more of `limit` (e.g. "channels"). */
export function planLimitReached(limit: string, max: number, message: string): ConnectError {
  return commonError(ErrorReason.PLAN_LIMIT_REACHED, message, { limit, max: String(max) });
}

/** Too many requests; `retryAfterS` tells when to come back. */
export function rateLimited(message: string, retryAfterS: number): ConnectError {
  return commonError(ErrorReason.RATE_LIMITED, message, { retry_after_s: String(retryAfterS) });
}
