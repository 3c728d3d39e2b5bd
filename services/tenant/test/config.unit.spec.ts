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

  it("refuses to start in production without channel secret keys or service credentials", () => {
    assert.throws(
      () => loadConfig({ ...base, NODE_ENV: "production" }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /CHANNEL_SECRET_KEYS is missing/.test(err.message) &&
        /SERVICE_CREDENTIALS is missing/.test(err.message) &&
        /SMTP_URL is missing/.test(err.message) &&
        /CONSOLE_URL is missing/.test(err.message),
    );
    const key = randomBytes(32).toString("base64");
    const credential = randomBytes(24).toString("base64url");
    const config = loadConfig({
      ...base,
      NODE_ENV: "production",
      CHANNEL_SECRET_KEYS: `prod-1:${key}`,
      SERVICE_CREDENTIALS: `ingress:${credential}`,
      SMTP_URL: "smtps://mailer:pw@smtp.example.com:465",
      EMAIL_FROM: "Atendo <no-reply@example.com>",
      CONSOLE_URL: "https://console.example.com",
    });
    assert.deepEqual(config.channelSecretKeys.keyIds, ["prod-1"]);
    // Production knows only the credentials it was given: no well-known development ones.
    assert.deepEqual(config.serviceCredentials.services, ["ingress"]);
    assert.equal(config.serviceCredentials.verify("ingress", credential), true);
    assert.equal(config.serviceCredentials.verify("delivery", "dev-service-credential-delivery"), false);
  });

  it("derives development service credentials outside production, and never prints one", () => {
    const config = loadConfig(base);
    assert.deepEqual([...config.serviceCredentials.services].sort(), [
      "ai",
      "assistant",
      "conversation",
      "delivery",
      "ingress",
      "tenant",
    ]);
    assert.equal(config.serviceCredentials.verify("ingress", "dev-service-credential-ingress"), true);
    assert.equal(config.serviceCredentials.verify("ingress", "dev-service-credential-delivery"), false);
    assert.equal(config.serviceCredentials.verify("nobody", "dev-service-credential-ingress"), false);

    const secret = randomBytes(24).toString("base64url");
    const own = loadConfig({ ...base, SERVICE_CREDENTIALS: `delivery:${secret}` });
    assert.equal(own.serviceCredentials.verify("delivery", secret), true);
    assert.equal(own.serviceCredentials.verify("delivery", "dev-service-credential-delivery"), false);
    assert.equal(JSON.stringify(own).includes(secret), false);
    assert.throws(
      () => loadConfig({ ...base, SERVICE_CREDENTIALS: `delivery:short,${"x".repeat(3)}` }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /SERVICE_CREDENTIALS is invalid: the credential of "delivery" is shorter/.test(err.message),
    );
  });

  it("reads the auth settings", () => {
    const config = loadConfig({
      ...base,
      AUTH_ISSUER: "atendo-staging",
      SIGNING_KEY_PUBLISH_GRACE_S: "5",
      PLATFORM_ADMIN_EMAILS: " Ops@Example.com , root@example.com",
    });
    assert.equal(config.authIssuer, "atendo-staging");
    assert.equal(config.signingKeyPublishGraceS, 5);
    assert.deepEqual([...config.platformAdminEmails], ["ops@example.com", "root@example.com"]);
    assert.deepEqual(config.loginLimits, { windowS: 900, maxPerAccount: 10, maxPerIp: 100 });
    assert.throws(
      () => loadConfig({ ...base, PLATFORM_ADMIN_EMAILS: "not-an-email" }),
      (err: unknown) => err instanceof ConfigError && /PLATFORM_ADMIN_EMAILS is invalid/.test(err.message),
    );
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
