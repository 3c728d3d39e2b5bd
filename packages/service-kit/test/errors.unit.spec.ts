import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  unauthenticated,
  unavailable,
} from "../src/index.js";

describe("errors", () => {
  it("builds ConnectErrors with the right code and a message for the caller", () => {
    const cases = [
      [notFound("conversation", "c-1"), Code.NotFound, "conversation c-1 not found"],
      [
        invalidArgument("page_size", "must be at most 100"),
        Code.InvalidArgument,
        "page_size: must be at most 100",
      ],
      [
        alreadyExists("a channel for this phone number"),
        Code.AlreadyExists,
        "a channel for this phone number already exists",
      ],
      [
        failedPrecondition("the conversation is resolved"),
        Code.FailedPrecondition,
        "the conversation is resolved",
      ],
      [
        permissionDenied("not a member of this workspace"),
        Code.PermissionDenied,
        "not a member of this workspace",
      ],
      [unauthenticated("token expired"), Code.Unauthenticated, "token expired"],
      [unavailable("tenant service unreachable"), Code.Unavailable, "tenant service unreachable"],
    ] as const;
    for (const [err, code, message] of cases) {
      assert.equal(err.code, code);
      assert.equal(err.rawMessage, message);
    }
  });
});
