import assert from "node:assert/strict";
import { assertBackoff, retryDelayMs } from "../src/backoff.js";

describe("retry backoff", () => {
  const backoff = { initial: 100, max: 1_000 };

  it("doubles per delivery and caps at max", () => {
    const noJitter = () => 0;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, backoff, noJitter)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
  });

  it("shortens by at most 20% for jitter", () => {
    assert.equal(
      retryDelayMs(1, backoff, () => 1),
      80,
    );
    assert.equal(
      retryDelayMs(100, backoff, () => 0.5),
      900,
    );
  });

  it("rejects nonsense", () => {
    assert.throws(() => assertBackoff({ initial: 0, max: 10 }), /initial/);
    assert.throws(() => assertBackoff({ initial: 100, max: 10 }), /max/);
  });
});
