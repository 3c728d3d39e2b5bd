import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ErrorReason } from "@atendo/proto/common/v1";
import { ErrorReason as TenantReason } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { testEnv, uniqueEmail } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { rejection } from "./support/rejection.js";
import { randomIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("login failure limits (Redis)", () => {
  let h: TenantHarness;
  let redis: Redis;

  before(async () => {
    h = await startTenantForTest({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
      LOGIN_MAX_FAILURES_PER_IP: "5",
      LOGIN_FAILURE_WINDOW_S: "600",
    });
    redis = new Redis(testEnv().redisUrl, { keyPrefix: `${h.namespace}:` });
  });
  after(async () => {
    redis?.disconnect();
    await h?.stop();
  });

  const login = (email: string, password: string, ip: string) =>
    h.anonymous.auth.login({ email, password }, { headers: { "x-forwarded-for": `203.0.113.9, ${ip}` } });
  const accountKey = (email: string) =>
    `login-failures:account:${createHash("sha256").update(email).digest("base64url")}`;

  it("blocks an account after its limit, from any address, with the same answer as for no account", async () => {
    const owner = await h.identity.signUpOwner();
    for (let i = 0; i < 3; i++) {
      const wrong = await rejection(login(owner.email, "wrong-password", randomIp()));
      assert.equal(wrong.code, Code.Unauthenticated);
      assert.equal(errorInfoOf(wrong)?.reason, TenantReason[TenantReason.INVALID_LOGIN]);
    }
    // Even the right password is refused now, from a fresh address: the account is locked for the window.
    const blocked = await rejection(login(owner.email, owner.password, randomIp()));
    assert.equal(blocked.code, Code.ResourceExhausted);
    // A client tells it from a plan limit (same code) by its reason, and knows when to come back.
    assert.equal(errorInfoOf(blocked)?.reason, ErrorReason[ErrorReason.RATE_LIMITED]);
    const retryAfterS = Number(errorInfoOf(blocked)?.metadata.retry_after_s);
    assert.ok(retryAfterS > 500 && retryAfterS <= 600, `retry_after_s ${retryAfterS}`);

    const ghost = uniqueEmail("ghost");
    for (let i = 0; i < 3; i++) await rejection(login(ghost, "wrong-password", randomIp()));
    const ghostBlocked = await rejection(login(ghost, "wrong-password", randomIp()));
    assert.deepEqual([ghostBlocked.code, ghostBlocked.rawMessage], [blocked.code, blocked.rawMessage]);

    // The counter lives in Redis, under a hash of the email (not the address itself), with the window.
    assert.equal(await redis.get(accountKey(owner.email)), "3");
    const ttl = await redis.pttl(accountKey(owner.email));
    assert.ok(ttl > 500_000 && ttl <= 600_000, `ttl ${ttl}`);
    const keys = await redis.keys(`${h.namespace}:login-failures:*`);
    assert.ok(keys.every((k) => !k.includes("@")));

    // When the window ends (here: the key expires), the right password works again.
    await redis.del(accountKey(owner.email));
    assert.ok((await login(owner.email, owner.password, randomIp())).tokens?.accessToken);
  });

  it("blocks a client address after its limit, whichever accounts it tries", async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await rejection(login(uniqueEmail("spray"), "guess-1234", ip))).code,
        Code.Unauthenticated,
      );
    }
    const owner = await h.identity.signUpOwner();
    assert.equal((await rejection(login(owner.email, owner.password, ip))).code, Code.ResourceExhausted);
    // The right-most X-Forwarded-For entry is the edge's: the client's own claim to the left does not count.
    assert.equal(await redis.get(`login-failures:ip:${ip}`), "5");
    assert.equal(await redis.get("login-failures:ip:203.0.113.9"), null);
    // The same person from another address is fine.
    assert.ok((await login(owner.email, owner.password, randomIp())).tokens?.accessToken);
  });

  it("connects through service-kit's Redis client: named, with the key prefix on the scripts' keys", async () => {
    // createRedis names the connection; a bare ioredis client would be anonymous.
    const clients = String(await redis.client("LIST"));
    assert.match(clients, /name=atendo-tenant /);
    const ip = randomIp();
    await rejection(login(uniqueEmail("prefix"), "wrong-password", ip));
    // The reserve script's KEYS got the prefix: the counter exists under it, and nowhere else.
    const bare = new Redis(testEnv().redisUrl);
    try {
      assert.equal(await bare.get(`${h.namespace}:login-failures:ip:${ip}`), "1");
      assert.equal(await bare.get(`login-failures:ip:${ip}`), null);
    } finally {
      bare.disconnect();
    }
  });

  it("clears the account counter after a successful login", async () => {
    const owner = await h.identity.signUpOwner();
    await rejection(login(owner.email, "wrong-password", randomIp()));
    await rejection(login(owner.email, "wrong-password", randomIp()));
    assert.equal(await redis.get(accountKey(owner.email)), "2");
    await login(owner.email, owner.password, randomIp());
    assert.equal(await redis.get(accountKey(owner.email)), null);
  });
});
