import assert from "node:assert/strict";
import { retryWrite } from "../src/store/retry-write.js";

describe("retryWrite", () => {
  it("rides out failures up to its limit", async () => {
    let calls = 0;
    const value = await retryWrite(
      async () => {
        calls++;
        if (calls < 3) throw new Error("connection terminated");
        return "committed";
      },
      3,
      1,
    );
    assert.equal(value, "committed");
    assert.equal(calls, 3);
  });

  it("gives up with the last error", async () => {
    let calls = 0;
    await assert.rejects(
      retryWrite(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        2,
        1,
      ),
      /failure 2/,
    );
    assert.equal(calls, 2);
  });
});
