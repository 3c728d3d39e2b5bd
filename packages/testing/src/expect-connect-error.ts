import assert from "node:assert/strict";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";

export interface ExpectedConnectError {
  /** Matched against the error's message (without the code prefix Connect adds). */
  message?: RegExp;
  /** The `reason` of the error's `google.rpc.ErrorInfo` detail. */
  reason?: string;
}

const ERROR_INFO = "google.rpc.ErrorInfo";

/** The ConnectError `call` fails with, whatever its code; fails the test when the call succeeds. */
export async function connectErrorOf(
  call: Promise<unknown>,
  failure = "expected the call to fail",
): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  assert.fail(failure);
}

/**
 * Asserts that `call` fails with a ConnectError of `code` (and, when given, a matching message and
 * ErrorInfo reason); returns the error for further checks. Fails the test when the call succeeds.
 */
export async function expectConnectError(
  call: Promise<unknown>,
  code: Code,
  expected: ExpectedConnectError = {},
): Promise<ConnectError> {
  const error = await connectErrorOf(call, `expected the call to fail with ${Code[code]}`);
  assert.equal(error.code, code, `expected ${Code[code]}, got ${Code[error.code]}: ${error.rawMessage}`);
  if (expected.message !== undefined) assert.match(error.rawMessage, expected.message);
  if (expected.reason !== undefined) {
    assert.deepEqual(
      errorInfoReasons(error),
      [expected.reason],
      `the ErrorInfo reason of: ${error.rawMessage}`,
    );
  }
  return error;
}

/**
 * The reasons of the error's ErrorInfo details, read without its generated schema: an error made in
 * this process carries the message itself, one that crossed the wire its bytes (field 1, reason).
 */
export function errorInfoReasons(error: ConnectError): string[] {
  const reasons: string[] = [];
  for (const detail of error.details) {
    if ("desc" in detail) {
      if (detail.desc.typeName === ERROR_INFO) {
        reasons.push(String((detail.value as { reason?: unknown }).reason ?? ""));
      }
    } else if (detail.type === ERROR_INFO) {
      reasons.push(reasonFromBytes(detail.value));
    }
  }
  return reasons;
}

function reasonFromBytes(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  let reason = "";
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) reason = reader.string();
    else reader.skip(wireType);
  }
  return reason;
}
