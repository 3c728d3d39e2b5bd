import assert from "node:assert/strict";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import { Redis } from "ioredis";
import { createSendPacer } from "../src/pacing/send-pacer.js";

describe("send pacer (Redis)", () => {
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true });
  const keyPrefix = `${uniqueNamespace("delivery")}:`;
  const pacer = createSendPacer({ redis, keyPrefix, pairUnitMs: 1_000 });
  const target = { channelId: "0196b3a4-7c1e-7000-8000-00000000000a", recipient: "5511987654321" };
  const other = { ...target, recipient: "5511900000000" };

  before(() => redis.connect());
  after(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("holds a recipient back 4^n seconds after each pair rate limit, and forgets after a success", async () => {
    assert.equal(await pacer.waitMs(target), 0);
    assert.equal(await pacer.record(target, "pair_rate_limit"), 4_000);
    const wait = await pacer.waitMs(target);
    assert.ok(wait > 3_000 && wait <= 4_000, `waits about 4 s, got ${wait}`);
    assert.equal(await pacer.waitMs(other), 0, "other recipients are unaffected");
    assert.equal(await pacer.record(target, "pair_rate_limit"), 16_000);
    assert.equal(await pacer.record(target, "accepted"), 0);
    assert.equal(await pacer.waitMs(target), 0);
    assert.equal(await pacer.record(target, "pair_rate_limit"), 4_000, "strikes start over");
  });

  it("ignores other outcomes", async () => {
    assert.equal(await pacer.record(other, "throughput"), 0);
    assert.equal(await pacer.waitMs(other), 0);
  });
});
