import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { cursorOf, positionOfCursor } from "../src/widget/widget-cursor.js";

describe("widget cursors", () => {
  it("name a message's place and last change, and read back what they name", () => {
    assert.equal(cursorOf({ seq: 5, version: 5 }), "w5");
    assert.equal(cursorOf({ seq: 5, version: 9 }), "w5-9");
    for (const p of [
      { seq: 1, version: 1 },
      { seq: 5, version: 9 },
      { seq: 123456, version: 123457 },
    ]) {
      assert.deepEqual(positionOfCursor(cursorOf(p), "after_cursor"), p);
    }
  });

  it("refuse what this service never gives, naming the field", () => {
    for (const bad of [
      "",
      "5",
      "w0",
      "w05",
      "w5-",
      "w5-0",
      "w9-5",
      "w1-2-3",
      "w1 or 1=1",
      "w99999999999999999",
    ]) {
      assert.throws(
        () => positionOfCursor(bad, "before_cursor"),
        (err: unknown) =>
          err instanceof ConnectError &&
          err.code === Code.InvalidArgument &&
          /before_cursor/.test(err.rawMessage),
        bad,
      );
    }
  });
});
