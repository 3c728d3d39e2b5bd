import assert from "node:assert/strict";
import { testEnv, uniqueNamespace, waitFor } from "@atendo/testing";
import { Redis } from "ioredis";
import { createLimiter, type Limiter, type RateKeyLimit, type WindowKeyLimit } from "../src/index.js";

// One unit every 100 s: nothing refills while a test runs, so bursts are exact.
const SLOW = 0.01;

describe("createLimiter: several keys, one atomic script (real Redis)", function () {
  this.timeout(30_000);
  const prefix = `${uniqueNamespace("limits")}:`;
  let redis: Redis;
  let admin: Redis;
  let limiter: Limiter;
  let next = 0;
  const key = (name: string) => `${name}:${++next}`;
  const rate = (name: string, burst: number, perSecond = SLOW): RateKeyLimit => ({
    kind: "rate",
    key: key(name),
    perSecond,
    burst,
  });
  const window = (name: string, max: number, windowMs = 60_000): WindowKeyLimit => ({
    kind: "window",
    key: key(name),
    max,
    windowMs,
  });

  /** The names of the commands the limiter's client sends from now on, until restore(). */
  const recordCommands = () => {
    const sent: string[] = [];
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, ...rest) => {
      sent.push(command.name);
      return send(command, ...rest);
    };
    return { sent, restore: () => (redis.sendCommand = send) };
  };

  before(() => {
    redis = new Redis(testEnv().redisUrl, { keyPrefix: prefix });
    admin = new Redis(testEnv().redisUrl);
    limiter = createLimiter(redis);
  });
  after(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    redis?.disconnect();
    admin?.disconnect();
  });

  it("admits exactly the smaller burst of 300 concurrent takes over two rate keys", async () => {
    const tenant = rate("tenant", 70);
    const channels = [rate("channel", 40), rate("channel", 40)];
    const verdicts = await Promise.all(
      Array.from({ length: 300 }, (_, i) => limiter.take([tenant, channels[i % 2] as RateKeyLimit])),
    );
    // Each channel allows 40, the tenant 70 over both: 70 in all, whatever the interleaving.
    assert.equal(verdicts.filter((v) => v.allowed).length, 70);
    assert.ok(verdicts.filter((v) => !v.allowed).every((v) => v.retryAfterMs > 0));
  });

  it("admits exactly the limit of 300 concurrent takes on a window", async () => {
    const counter = window("window", 70);
    const verdicts = await Promise.all(Array.from({ length: 300 }, () => limiter.take([counter])));
    assert.equal(verdicts.filter((v) => v.allowed).length, 70);
    assert.equal(await redis.get(counter.key), "70", "refused takes counted nothing");
  });

  it("says when a rate key admits again: one interval after its burst", async () => {
    const limit = rate("retry", 3);
    for (let i = 0; i < 3; i++) assert.equal((await limiter.take([limit])).allowed, true);
    const refused = await limiter.take([limit]);
    assert.equal(refused.allowed, false);
    // The 4th unit fits one interval (100 s) after the first was taken (a few ms ago, or seconds on a
    // loaded machine).
    assert.ok(refused.retryAfterMs > 90_000 && refused.retryAfterMs <= 100_000, `${refused.retryAfterMs}`);
    assert.deepEqual(refused.keys, [{ allowed: false, retryAfterMs: refused.retryAfterMs }]);
  });

  it("admits a refused rate key again once its retry-after has passed, not before", async () => {
    const limit = rate("refill", 1, 2); // one unit every 500 ms
    assert.equal((await limiter.take([limit])).allowed, true);
    // Taken before the request: Redis judges it later, so the time waited is never overstated.
    const asked = performance.now();
    const refused = await limiter.take([limit]);
    assert.equal(refused.allowed, false);
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 500, `${refused.retryAfterMs}`);
    // A refused take spends nothing, so polling does not push the key further away.
    await waitFor(async () => (await limiter.take([limit])).allowed, { intervalMs: 5 });
    const waited = performance.now() - asked;
    // Retry-after is rounded up to the ms: the only slack.
    assert.ok(
      waited >= refused.retryAfterMs - 1,
      `admitted after ${waited} ms, retry-after ${refused.retryAfterMs}`,
    );
  });

  it("says when a window admits again: when the window opened by its first unit ends", async () => {
    const limit = window("window-retry", 2, 60_000);
    await limiter.take([limit]);
    await limiter.take([limit]);
    const refused = await limiter.take([limit]);
    assert.equal(refused.allowed, false);
    const ttl = await redis.pttl(limit.key);
    assert.ok(
      refused.retryAfterMs >= ttl && refused.retryAfterMs <= 60_000,
      `${refused.retryAfterMs} vs ${ttl}`,
    );
  });

  it("spends nothing on any key when one key refuses (rate and window alike)", async () => {
    const full = rate("full", 1);
    await limiter.take([full]);
    const other = rate("other", 5);
    const counter = window("counter", 5);
    const refused = await limiter.take([other, full, counter]);
    assert.equal(refused.allowed, false);
    assert.deepEqual(
      refused.keys.map((k) => k.allowed),
      [true, false, true],
      "per key: only the full one refuses",
    );
    assert.equal(refused.retryAfterMs, refused.keys[1]?.retryAfterMs);
    assert.equal(await redis.exists(other.key, counter.key), 0, "nothing written to the others");
    // The other keys still have their whole burst and window.
    for (let i = 0; i < 5; i++) assert.equal((await limiter.take([other, counter])).allowed, true);
    assert.equal((await limiter.take([other])).allowed, false);
    assert.equal((await limiter.take([counter])).allowed, false);
  });

  it("with countRefused, counts the unit on every key even when refused", async () => {
    const channel = window("rejects-channel", 2);
    const address = window("rejects-ip", 1);
    assert.equal((await limiter.take([channel, address], { countRefused: true })).allowed, true);
    const refused = await limiter.take([channel, address], { countRefused: true });
    assert.deepEqual(
      refused.keys.map((k) => k.allowed),
      [true, false],
    );
    assert.deepEqual(await redis.mget(channel.key, address.key), ["2", "2"]);
  });

  it("lets keys expire: a rate key once refilled, a window when it ends", async () => {
    const slow = rate("expiry", 2);
    await limiter.take([slow]);
    const ttl = await redis.pttl(slow.key);
    // One unit spent: full again one interval (100 s) later, and the key goes then.
    assert.ok(ttl > 90_000 && ttl <= 100_000, `ttl ${ttl}`);

    const fast = rate("expiry-fast", 1, 0.5); // full again after 2 s
    const short = window("expiry-window", 1, 2000);
    await limiter.take([fast, short]);
    assert.equal(await redis.exists(fast.key, short.key), 2);
    await waitFor(async () => (await redis.exists(fast.key, short.key)) === 0);
    assert.equal((await limiter.take([fast, short])).allowed, true, "a new window, a full burst");
  });

  it("admits at a rate finer than Redis's clock (a billion a second) without an invalid expiry", async () => {
    // Its interval (a microsecond's thousandth) vanishes next to a timestamp of 1.7e12 ms.
    const huge = rate("huge", 1_000_000_000, 1_000_000_000);
    for (let i = 0; i < 3; i++) assert.equal((await limiter.take([huge])).allowed, true);
    // Kept a millisecond at most: gone already (-2) or about to go, never kept without expiry (-1).
    const ttl = await redis.pttl(huge.key);
    assert.ok(ttl === -2 || (ttl >= 0 && ttl <= 1), `ttl ${ttl}`);
  });

  it("gives a unit back and starts keys over", async () => {
    const counter = window("give", 2);
    const flow = rate("give-rate", 2);
    await limiter.take([counter, flow]);
    await limiter.take([counter, flow]);
    assert.equal((await limiter.take([counter])).allowed, false);
    assert.equal((await limiter.take([flow])).allowed, false);
    await limiter.giveBack([{ kind: "window", key: counter.key }, flow]);
    assert.equal(await redis.get(counter.key), "1");
    assert.equal((await limiter.take([counter, flow])).allowed, true, "one unit back on each");
    // Never below zero, never beyond a full burst: the key simply goes.
    const idle = window("give-idle", 2);
    const idleRate = rate("give-idle-rate", 2);
    await limiter.giveBack([idle, idleRate]);
    assert.equal(await redis.exists(idle.key, idleRate.key), 0);
    await limiter.reset([counter.key, flow.key]);
    assert.equal(await redis.exists(counter.key, flow.key), 0);
  });

  it("costs one Redis command per call, on the client's key prefix", async () => {
    const { sent, restore } = recordCommands();
    try {
      const limits = [rate("trip", 5), window("trip", 5), rate("trip", 5)];
      await limiter.take(limits);
      await limiter.take(limits);
      // Three keys, one command each call: the script by its SHA (ioredis sends the script itself
      // only on a connection's first call).
      assert.deepEqual(sent, ["evalsha", "evalsha"]);
      assert.equal(await admin.exists(...limits.map((l) => `${prefix}${l.key}`)), 3);
    } finally {
      restore();
    }
  });

  it("takes of the same limits made in one turn share one command, judged in the order made", async () => {
    const { sent, restore } = recordCommands();
    try {
      const flow = rate("turn", 3);
      const counter = window("turn", 5);
      const other = rate("turn-other", 1);
      // Eight takes of [flow, counter] and two of [other], all before Redis answers anything.
      const made = Array.from({ length: 8 }, () => limiter.take([flow, counter]));
      const others = [limiter.take([other]), limiter.take([other])];
      const verdicts = await Promise.all(made);
      assert.deepEqual(sent, ["evalsha", "evalsha"], "one command per set of limits");
      // The first three fit the rate's burst; the rest are refused, each told when the next unit fits.
      assert.deepEqual(
        verdicts.map((v) => v.allowed),
        [true, true, true, false, false, false, false, false],
      );
      for (const refused of verdicts.slice(3)) {
        assert.deepEqual(
          refused.keys.map((k) => k.allowed),
          [false, true],
          "the rate refuses, the window would admit",
        );
        assert.ok(
          refused.retryAfterMs > 90_000 && refused.retryAfterMs <= 100_000,
          `${refused.retryAfterMs}`,
        );
      }
      assert.equal(await redis.get(counter.key), "3", "only the admitted units spent");
      assert.deepEqual(
        (await Promise.all(others)).map((v) => v.allowed),
        [true, false],
      );
    } finally {
      restore();
    }
  });

  it("a window shared by takes of one turn admits up to its limit, then counts refusals with countRefused", async () => {
    const counter = window("turn-window", 4);
    const verdicts = await Promise.all(Array.from({ length: 6 }, () => limiter.take([counter])));
    assert.deepEqual(
      verdicts.map((v) => v.allowed),
      [true, true, true, true, false, false],
    );
    const ttl = await redis.pttl(counter.key);
    assert.ok(verdicts[5] !== undefined && verdicts[5].retryAfterMs >= ttl, "refused until the window ends");
    assert.equal(await redis.get(counter.key), "4");
    // Abuse counters are not grouped: each counts its own unit, refused or not.
    const abuse = window("turn-abuse", 1);
    const counted = await Promise.all(
      Array.from({ length: 3 }, () => limiter.take([abuse], { countRefused: true })),
    );
    assert.equal(counted.filter((v) => v.allowed).length, 1);
    assert.equal(await redis.get(abuse.key), "3");
  });

  it("a failed call rejects every take that shared it", async () => {
    const broken = new Redis(testEnv().redisUrl, {
      keyPrefix: prefix,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    const brokenLimiter = createLimiter(broken);
    broken.disconnect();
    const takes = [brokenLimiter.take([rate("broken", 5)]), brokenLimiter.take([rate("broken", 5)])];
    const settled = await Promise.allSettled(takes);
    assert.deepEqual(
      settled.map((s) => s.status),
      ["rejected", "rejected"],
    );
  });
});
