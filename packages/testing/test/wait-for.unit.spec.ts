import assert from "node:assert/strict";
import { waitFor } from "../src/index.js";

describe("waitFor", () => {
  it("returns the first truthy value, skipping falsy ones", async () => {
    const values = [0, "", null, undefined, false, "ready"];
    let calls = 0;
    const result = await waitFor(() => values[calls++], { intervalMs: 1 });
    assert.equal(result, "ready");
    assert.equal(calls, values.length);
  });

  it("awaits async functions and treats thrown errors as not yet", async () => {
    let calls = 0;
    const result = await waitFor(
      async () => {
        calls++;
        if (calls < 3) throw new Error("not there yet");
        return { rows: calls };
      },
      { intervalMs: 1 },
    );
    assert.deepEqual(result, { rows: 3 });
  });

  it("times out with the message and the last error", async () => {
    let calls = 0;
    const err = await waitFor(
      () => {
        calls++;
        throw new Error(`attempt ${calls} failed`);
      },
      { timeoutMs: 60, intervalMs: 5, message: "the outbox to drain" },
    ).then(
      () => assert.fail("waitFor should have timed out"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    assert.match(err.message, /timed out after 60 ms/);
    assert.match(err.message, /the outbox to drain/);
    assert.match(err.message, new RegExp(`last error: attempt ${calls} failed`));
    assert.ok(err.cause instanceof Error);
    assert.ok(calls > 1, "it retried before giving up");
  });

  it("times out with the last value and an evaluated message function", async () => {
    let depth = 3;
    await assert.rejects(
      waitFor(() => depth === 0, {
        timeoutMs: 40,
        intervalMs: 5,
        message: () => `queue empty (depth ${depth})`,
      }),
      /queue empty \(depth 3\); last value: false/,
    );
    depth = 0;
    assert.equal(await waitFor(() => depth === 0), true);
  });

  it("gives up on an attempt that never settles at the deadline", async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor(() => new Promise<boolean>(() => {}), { timeoutMs: 50 }),
      /timed out after 50 ms.*had not settled/,
    );
    assert.ok(Date.now() - started < 5_000, "returned near the deadline");
  });
});
