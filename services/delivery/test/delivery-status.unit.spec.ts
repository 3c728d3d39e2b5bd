import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import {
  fromReceiptStatus,
  isSendSettled,
  movesForward,
  toMessageStatus,
} from "../src/domain/delivery-status.js";

describe("delivery status", () => {
  it("moves forward only", () => {
    assert.equal(movesForward("SENT", "DELIVERED"), true);
    assert.equal(movesForward("DELIVERED", "READ"), true);
    assert.equal(movesForward("SENT", "READ"), true, "read without delivered");
    assert.equal(movesForward("READ", "DELIVERED"), false);
    assert.equal(movesForward("READ", "SENT"), false);
    assert.equal(movesForward("DELIVERED", "DELIVERED"), false);
    assert.equal(movesForward("READ", "PLAYED"), true);
  });

  it("treats FAILED as terminal and ignores a failure reported after a read", () => {
    assert.equal(movesForward("SENT", "FAILED"), true);
    assert.equal(movesForward("DELIVERED", "FAILED"), true);
    assert.equal(movesForward("READ", "FAILED"), false);
    assert.equal(movesForward("FAILED", "READ"), false);
    assert.equal(movesForward("FAILED", "DELIVERED"), false);
  });

  it("keeps a HELD delivery sendable and shows it as PENDING", () => {
    assert.equal(isSendSettled("HELD"), false);
    assert.equal(isSendSettled("SENT"), true);
    assert.equal(isSendSettled("FAILED"), true);
    assert.equal(toMessageStatus("HELD"), MessageStatus.PENDING);
    assert.equal(movesForward("HELD", "SENT"), true);
  });

  it("shows SENDING as PENDING and maps receipts", () => {
    assert.equal(toMessageStatus("SENDING"), MessageStatus.PENDING);
    assert.equal(toMessageStatus("READ"), MessageStatus.READ);
    assert.equal(fromReceiptStatus(MessageStatus.DELIVERED), "DELIVERED");
    assert.equal(fromReceiptStatus(MessageStatus.PENDING), undefined);
    assert.equal(fromReceiptStatus(MessageStatus.UNSPECIFIED), undefined);
  });
});
