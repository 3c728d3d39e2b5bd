import assert from "node:assert/strict";
import { backoffMs, pairRateLimitDelayMs, retryDelayMs } from "../src/domain/retry-delay.js";
import { notSent } from "../src/domain/send-outcome.js";

const policy = { initialMs: 1_000, maxMs: 60_000 };

describe("retry delays", () => {
  it("doubles per delivery up to the cap", () => {
    assert.equal(backoffMs(1, policy), 1_000);
    assert.equal(backoffMs(2, policy), 2_000);
    assert.equal(backoffMs(4, policy), 8_000);
    assert.equal(backoffMs(10, policy), 60_000);
  });

  it("waits 4^n seconds per pair-rate-limit strike", () => {
    assert.equal(pairRateLimitDelayMs(1, 1_000), 4_000);
    assert.equal(pairRateLimitDelayMs(2, 1_000), 16_000);
    assert.equal(pairRateLimitDelayMs(3, 1_000), 64_000);
    assert.equal(pairRateLimitDelayMs(9, 1_000), 3_600_000);
  });

  it("honours Retry-After and the pacer's pair delay", () => {
    const throttled = { ...notSent("throughput", "rate limit", "slow down"), retryAfterMs: 30_000 };
    assert.equal(retryDelayMs(throttled, 1, policy, 0), 30_000);
    const pair = notSent("pair_rate_limit", "pair", "pair");
    assert.equal(retryDelayMs(pair, 1, policy, 16_000), 16_000);
    assert.equal(retryDelayMs(pair, 2, policy, 0), 2_000, "falls back to the backoff without the pacer");
  });
});
