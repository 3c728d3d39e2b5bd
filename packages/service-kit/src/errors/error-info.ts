import { ErrorReason, ErrorReasonSchema } from "@atendo/proto/common/v1";
import { type ErrorInfo, ErrorInfoSchema } from "@atendo/proto/google/rpc";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { reasonInfo } from "./reason-error.js";

/** The ErrorInfo of an error, when it has one. */
export function errorInfoOf(err: ConnectError): ErrorInfo | undefined {
  return err.findDetails(ErrorInfoSchema)[0];
}

// The fallback reason of each status code, for errors raised without a more precise one.
const FALLBACK: Readonly<Partial<Record<Code, ErrorReason>>> = {
  [Code.Canceled]: ErrorReason.CANCELLED,
  [Code.Unknown]: ErrorReason.INTERNAL,
  [Code.InvalidArgument]: ErrorReason.INVALID_ARGUMENT,
  [Code.DeadlineExceeded]: ErrorReason.DEADLINE_EXCEEDED,
  [Code.NotFound]: ErrorReason.NOT_FOUND,
  [Code.AlreadyExists]: ErrorReason.ALREADY_EXISTS,
  [Code.PermissionDenied]: ErrorReason.PERMISSION_DENIED,
  [Code.ResourceExhausted]: ErrorReason.RESOURCE_EXHAUSTED,
  [Code.FailedPrecondition]: ErrorReason.FAILED_PRECONDITION,
  [Code.Aborted]: ErrorReason.ABORTED,
  [Code.OutOfRange]: ErrorReason.OUT_OF_RANGE,
  [Code.Unimplemented]: ErrorReason.UNIMPLEMENTED,
  [Code.Internal]: ErrorReason.INTERNAL,
  [Code.Unavailable]: ErrorReason.UNAVAILABLE,
  [Code.DataLoss]: ErrorReason.INTERNAL,
  [Code.Unauthenticated]: ErrorReason.UNAUTHENTICATED,
};

/**
 * Gives an error without an ErrorInfo the fallback reason of its code (a validation failure names
 * the first field it refused), so every error a service answers carries a reason.
 */
export function withReason(err: ConnectError): ConnectError {
  if (errorInfoOf(err) !== undefined) return err;
  const value = ErrorReasonSchema.value[FALLBACK[err.code] ?? ErrorReason.INTERNAL];
  if (value === undefined) return err;
  const info = reasonInfo(value);
  const metadata: Record<string, string> = {};
  const violation = err.findDetails(ViolationsSchema)[0]?.violations[0];
  if (violation !== undefined) {
    const path = violation.field?.elements.map((e) => e.fieldName).join(".") ?? "";
    if (path !== "") metadata.field = path;
    if (violation.ruleId !== "") metadata.rule = violation.ruleId;
  }
  err.details.push({ desc: ErrorInfoSchema, value: { reason: info.reason, domain: info.domain, metadata } });
  return err;
}

/** A ConnectError as is, anything else as `internal` (for callers that only need the reason). */
export function asConnectError(e: unknown): ConnectError {
  return e instanceof ConnectError ? e : new ConnectError(String(e), Code.Internal);
}
