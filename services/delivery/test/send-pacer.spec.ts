import assert from "node:assert/strict";
import { createRedis } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import { Redis } from "ioredis";
import { createSendPacer } from "../src/pacing/send-pacer.js";

describe("send pacer (Redis)", () => {
  const keyPrefix = `${uniqueNamespace("delivery")}:`;
  // The service's own client (its keys under REDIS_KEY_PREFIX); a plain one looks and cleans up.
  const redis = createRedis(
    { redisUrl: testEnv().redisUrl, redisKeyPrefix: keyPrefix },
    { name: "delivery-test", logger: createLogger({ service: "delivery-test", level: "silent" }) },
  );
  const plain = new Redis(testEnv().redisUrl, { lazyConnect: true });
  const pacer = createSendPacer({ redis, pairUnitMs: 1_000 });
  const target = { channelId: "0196b3a4-7c1e-7000-8000-00000000000a", recipient: "5511987654321" };
  const other = { ...target, recipient: "5511900000000" };

  before(() => Promise.all([redis.connect(), plain.connect()]));
  after(async () => {
    const keys = await plain.keys(`${keyPrefix}*`);
    if (keys.length > 0) await plain.del(...keys);
    await Promise.all([redis.quit(), plain.quit()]);
  });

  it("holds a recipient back 4^n seconds after each pair rate limit, and forgets after a success", async () => {
    assert.equal(await pacer.waitMs(target), 0);
    assert.equal(await pacer.record(target, "pair_rate_limit"), 4_000);
    const wait = await pacer.waitMs(target);
    assert.ok(wait > 3_000 && wait <= 4_000, `waits about 4 s, got ${wait}`);
    const hold = `${keyPrefix}delivery:pair:${target.channelId}:${target.recipient}:hold`;
    assert.equal(await plain.exists(hold), 1, "kept under the service's REDIS_KEY_PREFIX");
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
