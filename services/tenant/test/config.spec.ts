import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ConfigError } from "@atendo/service-kit";
import { loadConfig } from "../src/config.js";

const base = {
  DATABASE_URL: "postgres://atendo_tenant:atendo_tenant@127.0.0.1:55432/atendo",
  REDIS_URL: "redis://127.0.0.1:56379",
  NATS_URL: "nats://127.0.0.1:54222",
};

describe("config", () => {
  it("uses local defaults outside production", () => {
    const config = loadConfig(base);
    assert.equal(config.port, 7101);
    assert.equal(config.redisKeyPrefix, "atendo:");
    assert.equal(config.channelSecretKeys.activeKeyId, "dev");
    assert.equal(config.graphApiVersion, "v23.0");
    assert.equal(config.whatsappGraphBaseUrl, "https://graph.facebook.com");
    assert.equal("migrationDatabaseUrl" in config, false);
  });

  it("refuses to start in production without channel secret keys", () => {
    assert.throws(
      () => loadConfig({ ...base, NODE_ENV: "production" }),
      (err: unknown) => err instanceof ConfigError && /CHANNEL_SECRET_KEYS is missing/.test(err.message),
    );
    const key = randomBytes(32).toString("base64");
    const config = loadConfig({ ...base, NODE_ENV: "production", CHANNEL_SECRET_KEYS: `prod-1:${key}` });
    assert.deepEqual(config.channelSecretKeys.keyIds, ["prod-1"]);
  });

  it("names a bad key ring without printing it", () => {
    const key = randomBytes(31).toString("base64");
    assert.throws(
      () => loadConfig({ ...base, CHANNEL_SECRET_KEYS: `k:${key}` }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /CHANNEL_SECRET_KEYS is invalid: key "k" decodes to 31 bytes/.test(err.message) &&
        !err.message.includes(key),
    );
  });

  it("names every missing variable", () => {
    assert.throws(
      () => loadConfig({}),
      (err: unknown) =>
        err instanceof ConfigError &&
        ["DATABASE_URL", "REDIS_URL", "NATS_URL"].every((v) => err.message.includes(v)),
    );
  });
});
