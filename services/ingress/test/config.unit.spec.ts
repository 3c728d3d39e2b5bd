import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ConfigError, devServiceCredential } from "@atendo/service-kit";
import { loadConfig } from "../src/main.js";

const base = {
  DATABASE_URL: "postgres://atendo_ingress:atendo_ingress@127.0.0.1:55432/atendo",
  REDIS_URL: "redis://127.0.0.1:56379",
  NATS_URL: "nats://127.0.0.1:54222",
};

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail("expected a ConfigError");
}

describe("ingress config", () => {
  it("runs locally with development defaults: service credential, issuer, cache key and lifetimes", () => {
    const config = loadConfig(base);
    assert.equal(config.serviceCredential.reveal(), devServiceCredential("ingress"));
    assert.equal(config.authIssuer, "atendo");
    assert.equal(Buffer.from(config.channelCacheKey.reveal(), "base64").length, 32);
    assert.equal(config.channelCacheTtlMs, 600_000);
    assert.equal(config.channelLocalCacheTtlMs, 2_000);
    assert.equal(config.port, 7102);
    assert.doesNotMatch(JSON.stringify(config), /dev-service-credential/, "secrets print masked");
  });

  it("refuses production without its own keys, naming the variables", () => {
    const message = problems({ ...base, NODE_ENV: "production" });
    assert.match(message, /SERVICE_CREDENTIAL is missing/);
    assert.match(message, /CHANNEL_CACHE_KEY is missing/);
    assert.match(message, /MEDIA_URL_KEY is missing/);
    const ok = loadConfig({
      ...base,
      NODE_ENV: "production",
      SERVICE_CREDENTIAL: "a-long-enough-credential",
      CHANNEL_CACHE_KEY: randomBytes(32).toString("base64"),
      MEDIA_URL_KEY: randomBytes(32).toString("base64"),
    });
    assert.equal(ok.serviceCredential.reveal(), "a-long-enough-credential");
  });

  it("keeps media in Postgres by default with WhatsApp's size limits, and needs a bucket and keys for S3", () => {
    const config = loadConfig(base);
    assert.deepEqual(config.media.store, { kind: "postgres" });
    assert.deepEqual(config.media.limits, {
      audio: 16 * 1024 * 1024,
      image: 5 * 1024 * 1024,
      video: 16 * 1024 * 1024,
      document: 100 * 1024 * 1024,
      sticker: 500 * 1024,
    });
    assert.equal(config.media.allowPrivateNetworks, false);
    const message = problems({ ...base, MEDIA_STORE: "s3", S3_ACCESS_KEY_ID: "AKIA-secret-id" });
    assert.match(message, /S3_BUCKET is missing/);
    assert.match(message, /S3_SECRET_ACCESS_KEY is missing/);
    assert.ok(!message.includes("AKIA-secret-id"));
    const s3 = loadConfig({
      ...base,
      MEDIA_STORE: "s3",
      S3_ENDPOINT: "http://minio.local:9000",
      S3_BUCKET: "media",
      S3_ACCESS_KEY_ID: "id",
      S3_SECRET_ACCESS_KEY: "secret",
      S3_FORCE_PATH_STYLE: "true",
    });
    assert.equal(s3.media.store.kind, "s3");
    assert.ok(
      s3.media.store.kind === "s3" && s3.media.store.forcePathStyle && s3.media.store.bucket === "media",
    );
  });

  it("refuses a cache key that is not 32 bytes without printing it, and a memory TTL over 2 s", () => {
    const short = randomBytes(16).toString("base64");
    const message = problems({ ...base, CHANNEL_CACHE_KEY: short });
    assert.match(message, /CHANNEL_CACHE_KEY is invalid: expected base64 of 32 bytes/);
    assert.ok(!message.includes(short));
    assert.match(problems({ ...base, CHANNEL_LOCAL_CACHE_TTL_MS: "5000" }), /CHANNEL_LOCAL_CACHE_TTL_MS/);
  });

  it("bounds the outbox retries, the events, the storing queue and badly signed requests", () => {
    const config = loadConfig(base);
    assert.equal(config.sweepMaxAttempts, 12);
    assert.equal(config.sweepRetryInitialMs, 30_000);
    assert.equal(config.sweepRetryMaxMs, 3_600_000);
    assert.equal(config.maxEventBytes, 512 * 1024);
    assert.equal(config.webhookQueueMaxRows, 2_000);
    assert.equal(config.webhookQueueMaxBytes, 64 * 1024 * 1024);
    assert.equal(config.rejectedBodyKeepBytes, 4096);
    assert.equal(config.heldReconcileIntervalMs, 300_000);
    const message = problems({ ...base, SWEEP_RETRY_INITIAL_MS: "5000", SWEEP_RETRY_MAX_MS: "1000" });
    assert.match(message, /SWEEP_RETRY_MAX_MS is invalid: expected at least SWEEP_RETRY_INITIAL_MS/);
    assert.match(problems({ ...base, MAX_EVENT_BYTES: "1000" }), /MAX_EVENT_BYTES/);
  });

  it("bounds the body bytes held by requests in progress, at least one largest body", () => {
    const config = loadConfig(base);
    assert.equal(config.webhookReadMaxBytes, 64 * 1024 * 1024);
    assert.equal(loadConfig({ ...base, WEBHOOK_READ_MAX_BYTES: "4194304" }).webhookReadMaxBytes, 4194304);
    assert.match(
      problems({ ...base, WEBHOOK_READ_MAX_BYTES: "1048576" }),
      /WEBHOOK_READ_MAX_BYTES is invalid: expected at least WEBHOOK_MAX_BODY_BYTES/,
    );
  });

  it("reads retention, dead-letter retention and Redis limits", () => {
    const config = loadConfig(base);
    assert.deepEqual(config.retention, { maxAgeMs: 30 * 24 * 3_600_000, intervalMs: 3_600_000 });
    assert.equal(config.deadLetterRetentionDays, 30);
    assert.equal(config.redisCommandTimeoutMs, 2000);
    const custom = loadConfig({ ...base, RETENTION_DAYS: "7", DEAD_LETTER_RETENTION_DAYS: "14" });
    assert.equal(custom.retention.maxAgeMs, 7 * 24 * 3_600_000);
    assert.equal(custom.deadLetterRetentionDays, 14);
    assert.match(problems({ ...base, RETENTION_DAYS: "0" }), /RETENTION_DAYS/);
  });

  it("takes a crash test's stopping point, never in production", () => {
    assert.equal(loadConfig(base).testCrashPoint, "none");
    assert.equal(
      loadConfig({ ...base, INGRESS_TEST_CRASH_POINT: "before-publish" }).testCrashPoint,
      "before-publish",
    );
    assert.match(problems({ ...base, INGRESS_TEST_CRASH_POINT: "somewhere" }), /INGRESS_TEST_CRASH_POINT/);
    const production = {
      ...base,
      NODE_ENV: "production",
      SERVICE_CREDENTIAL: randomBytes(32).toString("base64url"),
      CHANNEL_CACHE_KEY: randomBytes(32).toString("base64"),
      MEDIA_URL_KEY: randomBytes(32).toString("base64"),
    };
    assert.equal(loadConfig(production).testCrashPoint, "none");
    assert.match(
      problems({ ...production, INGRESS_TEST_CRASH_POINT: "before-accept" }),
      /INGRESS_TEST_CRASH_POINT is invalid: a crash test's hook, refused in production/,
    );
  });
});
