import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import { advanceMessageStatus } from "../src/messages/message-status-order.js";

describe("advanceMessageStatus", () => {
  const { UNSPECIFIED, PENDING, SENT, DELIVERED, READ, PLAYED, FAILED } = MessageStatus;

  it("moves forward only: a late DELIVERED after READ changes nothing", () => {
    assert.equal(advanceMessageStatus(READ, DELIVERED), READ);
    assert.equal(advanceMessageStatus(SENT, DELIVERED), DELIVERED);
    assert.equal(advanceMessageStatus(DELIVERED, PLAYED), PLAYED);
    assert.equal(advanceMessageStatus(PENDING, SENT), SENT);
    assert.equal(advanceMessageStatus(READ, READ), READ);
  });

  it("takes any first report, and keeps FAILED for good", () => {
    assert.equal(advanceMessageStatus(UNSPECIFIED, READ), READ);
    assert.equal(advanceMessageStatus(READ, FAILED), FAILED);
    assert.equal(advanceMessageStatus(FAILED, READ), FAILED);
  });

  it("ignores UNSPECIFIED and values this build does not know", () => {
    assert.equal(advanceMessageStatus(SENT, UNSPECIFIED), SENT);
    assert.equal(advanceMessageStatus(SENT, 99 as MessageStatus), SENT);
  });
});
