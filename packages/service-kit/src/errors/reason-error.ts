import { code as codeOption } from "@atendo/proto/common/v1";
import { ErrorInfoSchema } from "@atendo/proto/google/rpc";
import type { DescEnum, DescEnumValue } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { type Code, ConnectError } from "@connectrpc/connect";

/** Details a reason's comment names (`field`, `resource`, `limit`...), as ErrorInfo metadata. */
export type ErrorMetadata = Readonly<Record<string, string>>;

const PREFIX = "ERROR_REASON_";

/** What a caller reads from a reason: ErrorInfo's reason and domain, and the status code. */
export interface ReasonInfo {
  /** `PLAN_LIMIT_REACHED`: the enum value's name without its prefix. */
  reason: string;
  /** `atendo.common.v1`: the package of the enum, so reasons of different services never clash. */
  domain: string;
  code: Code;
}

/** The reason, domain and code of one value of an `ErrorReason` enum of the contract. */
export function reasonInfo(value: DescEnumValue): ReasonInfo {
  const typeName = value.parent.typeName;
  if (!typeName.endsWith(".ErrorReason") || !value.name.startsWith(PREFIX) || !hasOption(value, codeOption)) {
    throw new TypeError(`${typeName}.${value.name} is not an error reason of the catalogue`);
  }
  return {
    reason: value.name.slice(PREFIX.length),
    domain: typeName.slice(0, -".ErrorReason".length),
    // google.rpc.Code and Connect's Code share their numbers.
    code: getOption(value, codeOption) as number as Code,
  };
}

/**
 * The error for a reason of the catalogue: its status code, and a google.rpc.ErrorInfo with the
 * reason, its domain and `metadata`, so clients branch on the reason instead of the message.
 */
export function reasonError(
  schema: DescEnum,
  reason: number,
  message: string,
  metadata: ErrorMetadata = {},
): ConnectError {
  const value = schema.value[reason];
  if (value === undefined) throw new TypeError(`${schema.typeName} has no value ${reason}`);
  const info = reasonInfo(value);
  return new ConnectError(message, info.code, undefined, [
    { desc: ErrorInfoSchema, value: { reason: info.reason, domain: info.domain, metadata: { ...metadata } } },
  ]);
}
