import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { waitFor } from "@atendo/testing";
import { Redis } from "ioredis";
import { freePorts } from "../../../test/support/free-ports.js";
import type { RedisConfig } from "../src/index.js";
import {
  closeRedis,
  connectRedis,
  createRedis,
  readConfig,
  redisConfigOf,
  redisConfigSpec,
} from "../src/index.js";
import { createLogSink } from "./support/log-sink.js";

const redisUrl = process.env.ATENDO_TEST_REDIS_URL ?? "redis://127.0.0.1:56379";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no free port");
  return port;
}

describe("createRedis (real Redis)", () => {
  const prefix = `kittest_${randomBytes(5).toString("hex")}:`;
  const clients: Redis[] = [];
  let admin: Redis;

  function client(config: Partial<RedisConfig> = {}, options: { name?: string } = {}) {
    const sink = createLogSink();
    const redis = createRedis(
      { redisUrl, redisKeyPrefix: prefix, ...config },
      { name: options.name ?? "kittest", logger: sink.logger, ...options },
    );
    clients.push(redis);
    return { redis, lines: sink.lines };
  }

  before(() => {
    admin = new Redis(redisUrl);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  after(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it("reads its limits from REDIS_* settings, with defaults", () => {
    const defaults = redisConfigOf(readConfig(redisConfigSpec(), { REDIS_URL: redisUrl }));
    assert.deepEqual(defaults, {
      redisUrl,
      redisKeyPrefix: "atendo:",
      redisCommandTimeoutMs: 2000,
      redisConnectTimeoutMs: 5000,
      redisMaxRetriesPerRequest: 2,
    });
    const set = redisConfigOf(
      readConfig(redisConfigSpec(), {
        REDIS_URL: redisUrl,
        REDIS_COMMAND_TIMEOUT_MS: "250",
        REDIS_CONNECT_TIMEOUT_MS: "1000",
        REDIS_MAX_RETRIES_PER_REQUEST: "0",
      }),
    );
    assert.equal(set.redisCommandTimeoutMs, 250);
    assert.equal(set.redisConnectTimeoutMs, 1000);
    assert.equal(set.redisMaxRetriesPerRequest, 0);
    assert.throws(
      () => readConfig(redisConfigSpec(), { REDIS_URL: redisUrl, REDIS_COMMAND_TIMEOUT_MS: "0" }),
      /REDIS_COMMAND_TIMEOUT_MS is invalid/,
    );
  });

  it("fails a command that is not answered in time, and recovers after", async () => {
    const { redis } = client({ redisCommandTimeoutMs: 200 });
    await redis.set("paused", "v");
    // Another connection makes the server hold every client's commands for a second.
    await admin.call("CLIENT", "PAUSE", "1000", "ALL");
    const started = Date.now();
    await assert.rejects(redis.get("paused"), /Command timed out/);
    const tookMs = Date.now() - started;
    assert.ok(tookMs >= 190 && tookMs < 900, `timed out after ${tookMs} ms`);
    // Once the server answers again, so does the same client (no reconnect needed).
    await waitFor(async () => (await redis.get("paused").catch(() => undefined)) === "v", {
      message: "the client to recover",
    });
  });

  it("fails commands within their deadline while the server is unreachable", async () => {
    const { redis } = client({
      redisUrl: `redis://127.0.0.1:${await closedPort()}`,
      redisCommandTimeoutMs: 300,
    });
    const started = Date.now();
    await assert.rejects(redis.get("k"), /Command timed out|max retries/);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 1000, `failed after ${tookMs} ms`);
  });

  it("bounds the reconnections a command waits through", async () => {
    const { redis } = client({
      redisUrl: `redis://127.0.0.1:${await closedPort()}`,
      redisCommandTimeoutMs: 30_000,
      redisMaxRetriesPerRequest: 1,
    });
    const started = Date.now();
    await assert.rejects(redis.get("k"), /max retries per request/i);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 5_000, `failed after ${tookMs} ms, not at the 30 s command timeout`);
  });

  it("prefixes every key, scripts' keys included", async () => {
    const { redis } = client();
    await redis.set("plain", "1");
    await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "scripted", "2");
    assert.equal(await admin.get(`${prefix}plain`), "1");
    assert.equal(await admin.get(`${prefix}scripted`), "2");
    const names = String(await admin.call("CLIENT", "LIST"));
    assert.match(names, /name=atendo-kittest /);
  });

  it("connectRedis connects at start; closeRedis resolves once the connection is closed", async () => {
    const { logger } = createLogSink();
    const redis = await connectRedis({ redisUrl, redisKeyPrefix: prefix }, { name: "kittest-close", logger });
    assert.equal(redis.status, "ready");
    assert.match(String(await admin.call("CLIENT", "LIST")), /name=atendo-kittest-close /);
    await closeRedis(redis);
    assert.equal(redis.status, "end");
    assert.doesNotMatch(String(await admin.call("CLIENT", "LIST")), /name=atendo-kittest-close /);
    // A client that never connected closes at once too.
    const idle = createRedis({ redisUrl, redisKeyPrefix: prefix }, { name: "kittest-idle", logger });
    await closeRedis(idle);
    assert.equal(idle.status, "end");
  });

  it("connectRedis fails fast when Redis cannot be reached", async () => {
    const { logger } = createLogSink();
    const started = Date.now();
    await assert.rejects(
      connectRedis(
        { redisUrl: `redis://127.0.0.1:${await closedPort()}`, redisKeyPrefix: prefix },
        { name: "kittest-down", logger },
      ),
      /ECONNREFUSED/,
    );
    assert.ok(Date.now() - started < 5_000, "not after the reconnections");
  });

  it("logs connection errors without the URL's credentials, once per outage", async () => {
    const password = `p${randomBytes(8).toString("hex")}`;
    const { redis, lines } = client({
      redisUrl: `redis://atendo:${password}@127.0.0.1:${await closedPort()}`,
      redisCommandTimeoutMs: 800,
    });
    await assert.rejects(redis.get("k"));
    await waitFor(() => lines.length > 0, { message: "a log line" });
    const text = JSON.stringify(lines);
    assert.equal(text.includes(password), false, "the password reached a log line");
    assert.equal(lines.filter((l) => l.level === 40).length, 1, "one warning for the outage");
    assert.match(String((lines[0]?.err as { message?: unknown })?.message), /ECONNREFUSED/);
  });
});
