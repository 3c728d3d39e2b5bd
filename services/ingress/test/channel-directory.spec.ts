import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { ChannelType } from "@atendo/proto/common/v1";
import {
  ChannelDirectoryService,
  ChannelStatus,
  ResolveChannelResponseSchema,
} from "@atendo/proto/tenant/v1";
import {
  createServiceClient,
  createTenantAuth,
  devServiceCredential,
  type TenantAuth,
} from "@atendo/service-kit";
import { readFixture, signMeta, waitFor } from "@atendo/testing";
import { fromBinary } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import {
  type ChannelDirectory,
  ChannelLookupError,
  type ChannelResolver,
  createChannelDirectory,
} from "../src/clients/channel-directory.js";
import { parseChannelCacheKey } from "../src/domain/channel-cache-key.js";
import { createChannelSeal } from "../src/domain/channel-seal.js";
import { start } from "../src/main.js";
import { createRedisChannelCache, type RedisChannelCache } from "../src/store/redis-channel-cache.js";
import { type Harness, postWebhook, startHarness, type TestChannel } from "./support/harness.js";
import { rowsOf } from "./support/rows.js";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("channel lookups (ResolveChannel as ingress, cached in Redis and briefly in memory)", function () {
  this.timeout(30_000);
  let h: Harness;
  let auth: TenantAuth;
  let channel: TestChannel;
  let calls: number;
  let clock: number;
  let resolver: ChannelResolver;
  // A Redis client with the run's own prefix, as ingress has, and the key ingress seals with.
  let redis: Redis;
  const seal = createChannelSeal(parseChannelCacheKey(randomBytes(32).toString("base64")));
  let prefix: string;

  before(async () => {
    h = await startHarness();
    prefix = `${h.namespace}-dir:`;
    redis = new Redis(h.env.redisUrl, { keyPrefix: prefix, maxRetriesPerRequest: 2 });
    auth = createTenantAuth({
      tenantServiceUrl: h.tenantUrl,
      service: "ingress",
      credential: devServiceCredential("ingress"),
      issuer: h.issuer,
    });
    channel = await h.createChannel();
    const real = createServiceClient(ChannelDirectoryService, h.tenantUrl, {
      credentials: auth.serviceTokens,
    });
    // The real client, counted: how many lookups reached the tenant service.
    resolver = {
      resolveChannel: (req, options) => {
        calls++;
        return real.resolveChannel(req, options);
      },
    };
  });

  beforeEach(async () => {
    calls = 0;
    clock = 1_000_000;
    const keys = await h.redis.keys(`${prefix}*`);
    if (keys.length > 0) await h.redis.del(...keys);
  });

  after(async () => {
    auth?.close();
    const keys = (await h?.redis.keys(`${prefix}*`)) ?? [];
    if (keys.length > 0) await h.redis.del(...keys);
    redis?.disconnect();
    await h?.stop();
  });

  const shared = (): RedisChannelCache => createRedisChannelCache({ redis, seal, ttlMs: 600_000 });
  const directory = (overrides: { channels?: ChannelResolver; shared?: RedisChannelCache } = {}) =>
    createChannelDirectory({
      channels: overrides.channels ?? resolver,
      shared: overrides.shared ?? shared(),
      localTtlMs: 2_000,
      negativeTtlMs: 5_000,
      logger: h.logger,
      now: () => clock,
    });

  it("asks the tenant service once, then every replica reads the Redis entry", async () => {
    const replicaA = directory();
    const found = await replicaA.resolve(channel.channelId);
    assert.equal(found?.type, ChannelType.WHATSAPP);
    assert.equal(found?.tenantId, channel.tenantId);
    assert.equal(found?.workspaceId, channel.workspaceId);
    assert.equal(found?.status, ChannelStatus.ACTIVE);
    assert.deepEqual(
      {
        phoneNumberId: found?.whatsapp?.phoneNumberId,
        appSecret: found?.whatsapp?.appSecret,
        verifyToken: found?.whatsapp?.verifyToken,
        accessToken: found?.whatsapp?.accessToken,
      },
      {
        phoneNumberId: channel.phoneNumberId,
        appSecret: channel.appSecret,
        verifyToken: channel.verifyToken,
        accessToken: channel.accessToken,
      },
    );
    assert.equal(calls, 1);
    const ttl = await redis.pttl(`channel:${channel.channelId}`);
    assert.ok(ttl > 590_000 && ttl <= 600_000, `the entry lives 10 minutes (pttl ${ttl})`);

    const replicaB = directory();
    assert.deepEqual(await replicaB.resolve(channel.channelId), found);
    clock += 2_001; // past the memory layer
    assert.deepEqual(await replicaA.resolve(channel.channelId), found);
    assert.equal(calls, 1, "both replicas were answered from Redis");
  });

  it("answers a channel it holds in memory as found at the instant that entry expires", async () => {
    // Every look at the clock is a millisecond after the one before once `tick` is set: a "has it?"
    // then "get it" straddled the expiry and answered a known channel as unknown (a 404 to Meta,
    // once in tens of thousands of deliveries under load).
    let tick = false;
    const ticking = createChannelDirectory({
      channels: resolver,
      shared: shared(),
      localTtlMs: 2_000,
      negativeTtlMs: 5_000,
      logger: h.logger,
      now: () => (tick ? clock++ : clock),
    });
    const found = await ticking.resolve(channel.channelId);
    assert.ok(found !== undefined);
    clock += 2_000; // the memory entry's last live millisecond
    tick = true;
    const again = await ticking.resolve(channel.channelId);
    tick = false;
    assert.deepEqual(again, found);
  });

  it("stores the answer sealed: no secret in plaintext, and it opens only under its own channel id", async () => {
    await directory().resolve(channel.channelId);
    const stored = await redis.getBuffer(`channel:${channel.channelId}`);
    assert.ok(stored !== null);
    for (const secret of [
      channel.appSecret,
      channel.verifyToken,
      channel.accessToken,
      channel.phoneNumberId,
    ]) {
      assert.equal(stored.includes(secret), false, "a secret is readable in Redis");
      assert.equal(stored.includes(Buffer.from(secret).toString("base64")), false);
    }
    const opened = seal.open(channel.channelId, stored);
    assert.ok(opened, "the entry opens with the key and its channel id");
    const res = fromBinary(ResolveChannelResponseSchema, opened);
    assert.equal(res.credentials.case, "whatsapp");
    assert.equal(res.credentials.value?.appSecret, channel.appSecret);
    assert.equal(
      seal.open("0190f000-0000-7000-8000-00000000f00d", stored),
      undefined,
      "moved entries do not open",
    );
    const otherKey = createChannelSeal(Buffer.alloc(32, 7));
    assert.equal(otherKey.open(channel.channelId, stored), undefined);
  });

  it("treats an entry that does not open (another key, tampered) as a miss", async () => {
    await directory().resolve(channel.channelId);
    const stored = await redis.getBuffer(`channel:${channel.channelId}`);
    assert.ok(stored);
    stored[stored.length - 1] = (stored[stored.length - 1] ?? 0) ^ 1;
    await redis.set(`channel:${channel.channelId}`, stored);
    const found = await directory().resolve(channel.channelId);
    assert.equal(found?.whatsapp?.appSecret, channel.appSecret);
    assert.equal(calls, 2, "asked the tenant service again");
  });

  it("never stores an answer fetched before an invalidation after it", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: ChannelResolver = {
      resolveChannel: async (req, options) => {
        const res = await resolver.resolveChannel(req, options);
        await gate; // the answer is in hand, the change happens now
        return res;
      },
    };
    const channels = directory({ channels: slow });
    const pending = channels.resolve(channel.channelId);
    await waitFor(() => calls === 1, { message: "the lookup to reach the tenant service" });
    await channels.forget(channel.channelId);
    release();
    assert.equal((await pending)?.channelId, channel.channelId);
    assert.equal(await redis.exists(`channel:${channel.channelId}`), 0, "the older answer was not stored");
    await channels.resolve(channel.channelId);
    assert.equal(calls, 2, "memory was not refilled by the older answer either");
    assert.equal(await redis.exists(`channel:${channel.channelId}`), 1);
  });

  it("forgets one channel, or every channel of a tenant, in Redis and in memory", async () => {
    const second = await h.createChannel({ owner: channel.owner });
    const other = await h.createChannel();
    const channels = directory();
    for (const c of [channel, second, other]) await channels.resolve(c.channelId);
    assert.equal(calls, 3);
    await channels.forgetTenant(channel.tenantId);
    assert.equal(await redis.exists(`channel:${channel.channelId}`, `channel:${second.channelId}`), 0);
    assert.equal(await redis.exists(`channel:${other.channelId}`), 1, "another tenant's entry stays");
    await channels.resolve(other.channelId);
    assert.equal(calls, 3);
    await channels.resolve(second.channelId);
    assert.equal(calls, 4, "the tenant's channels are asked again");
    await channels.forget(other.channelId);
    assert.equal(await redis.exists(`channel:${other.channelId}`), 0);
    await channels.resolve(other.channelId);
    assert.equal(calls, 5);
  });

  it("keeps answering when Redis is down", async () => {
    const down = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    down.on("error", () => undefined); // refused connections are the point here
    try {
      const channels = directory({ shared: createRedisChannelCache({ redis: down, seal, ttlMs: 600_000 }) });
      assert.equal((await channels.resolve(channel.channelId))?.whatsapp?.appSecret, channel.appSecret);
      assert.equal(calls, 1);
    } finally {
      down.disconnect();
    }
  });

  it("remembers unknown ids briefly (in memory only) and never asks about ids that are not UUIDs", async () => {
    const channels = directory();
    const unknown = "0190f000-0000-7000-8000-00000000f00d";
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(calls, 1);
    assert.equal(await redis.exists(`channel:${unknown}`), 0);
    clock += 5_001;
    assert.equal(await channels.resolve(unknown), undefined);
    assert.equal(calls, 2);
    assert.equal(await channels.resolve("../../etc"), undefined);
    assert.equal(calls, 2);
  });

  it("shares one call between concurrent lookups of a channel", async () => {
    const channels: ChannelDirectory = directory();
    const results = await Promise.all(Array.from({ length: 5 }, () => channels.resolve(channel.channelId)));
    assert.ok(results.every((r) => r?.channelId === channel.channelId));
    assert.equal(calls, 1);
  });

  it("reports an unreachable tenant service as ChannelLookupError; ingress then answers 503 and stores nothing", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const channels = directory({
      channels: createServiceClient(ChannelDirectoryService, url, { timeoutMs: 2_000 }),
    });
    await assert.rejects(channels.resolve(channel.channelId), ChannelLookupError);

    const ingress = await start(h.ingressConfig({ tenantServiceUrl: url }), { logger: h.logger });
    try {
      const body = readFixture("whatsapp/two-text-messages.json");
      const fresh = await h.createChannel();
      const res = await postWebhook(
        `http://127.0.0.1:${ingress.port}`,
        fresh.channelId,
        body,
        signMeta(fresh.appSecret, body),
      );
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "5");
      assert.deepEqual(await rowsOf(fresh.channelId), []);
    } finally {
      await ingress.stop();
    }
  });
});
