import assert from "node:assert/strict";
import { type Code, ConnectError } from "@connectrpc/connect";

/** Asserts that the call fails with `code` and a message matching `message`; returns the error. */
export async function expectError(
  call: Promise<unknown>,
  code: Code,
  message: RegExp,
): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    const e = ConnectError.from(err);
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.rawMessage}`);
    assert.match(e.rawMessage, message);
    return e;
  }
  assert.fail(`expected the call to fail with code ${code}`);
}
