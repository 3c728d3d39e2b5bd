import assert from "node:assert/strict";
import { ConnectError } from "@connectrpc/connect";

/** The ConnectError a call fails with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err);
  }
  assert.fail("expected the call to fail");
}
