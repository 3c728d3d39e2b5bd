import { ErrorReason } from "@atendo/proto/common/v1";
import type { ConnectError } from "@connectrpc/connect";
import { commonError, permissionDenied, unauthenticated, unavailable } from "../errors/common-errors.js";

// The only answers of the auth path. They name no principal, tenant or key: a denied caller learns
// that it was denied, nothing about what exists.

export const INVALID_CREDENTIALS = "missing or invalid credentials";
export const NOT_ALLOWED = "not allowed";

export function invalidCredentials(): ConnectError {
  return unauthenticated(INVALID_CREDENTIALS);
}

export function notAllowed(): ConnectError {
  return permissionDenied(NOT_ALLOWED);
}

/** `<what> not found`: another tenant's objects do not exist for the caller. */
export function targetNotFound(what: "workspace" | "tenant"): ConnectError {
  return commonError(ErrorReason.NOT_FOUND, `${what} not found`, { resource: what });
}

export function authUnavailable(): ConnectError {
  return unavailable("authentication is unavailable, retry later");
}

/**
 * A credential that is not valid (expired, tampered, wrongly typed, unknown key). `reason` is for
 * debug logs only and never holds the credential.
 */
export class InvalidCredentialsError extends Error {
  override readonly name = "InvalidCredentialsError";
}
