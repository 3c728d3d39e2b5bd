import { Code, ConnectError } from "@connectrpc/connect";

// Messages reach API callers: name the thing and the rule, never internals.

export function notFound(what: string, id: string): ConnectError {
  return new ConnectError(`${what} ${id} not found`, Code.NotFound);
}

export function invalidArgument(field: string, reason: string): ConnectError {
  return new ConnectError(`${field}: ${reason}`, Code.InvalidArgument);
}

export function alreadyExists(what: string): ConnectError {
  return new ConnectError(`${what} already exists`, Code.AlreadyExists);
}

export function failedPrecondition(reason: string): ConnectError {
  return new ConnectError(reason, Code.FailedPrecondition);
}

export function permissionDenied(reason: string): ConnectError {
  return new ConnectError(reason, Code.PermissionDenied);
}

export function unauthenticated(reason: string): ConnectError {
  return new ConnectError(reason, Code.Unauthenticated);
}

export function unavailable(reason: string): ConnectError {
  return new ConnectError(reason, Code.Unavailable);
}
