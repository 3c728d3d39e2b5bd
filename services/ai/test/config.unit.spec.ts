import assert from "node:assert/strict";
import { ConfigError, devServiceCredential } from "@atendo/service-kit";
import { loadConfig } from "../src/config.js";

const required = {
  DATABASE_URL: "postgres://atendo_ai:atendo_ai@127.0.0.1:55432/atendo",
  NATS_URL: "nats://127.0.0.1:54222",
};

describe("ai config", () => {
  it("uses local defaults outside production, with the development service credential", () => {
    const config = loadConfig(required);
    assert.equal(config.port, 7105);
    assert.equal(config.tenantServiceUrl, "http://127.0.0.1:7101");
    assert.equal(config.assistantServiceUrl, "http://127.0.0.1:7104");
    assert.equal(config.authIssuer, "atendo");
    assert.equal(config.planLimitsCacheTtlMs, 60_000);
    assert.deepEqual(config.outboxRelay, { intervalMs: 1_000, maxAttempts: 10 });
    assert.deepEqual(config.retention, { maxAgeMs: 30 * 24 * 3_600_000, intervalMs: 3_600_000 });
    assert.equal(config.serviceCredential.reveal(), devServiceCredential("ai"));
    // The credential never shows when the config is printed.
    assert.doesNotMatch(JSON.stringify(config), /dev-service-credential/);
  });

  it("reads the auth settings", () => {
    const config = loadConfig({
      ...required,
      TENANT_SERVICE_URL: "http://tenant:7101",
      SERVICE_CREDENTIAL: "a-long-enough-credential",
      AUTH_ISSUER: "atendo-staging",
    });
    assert.equal(config.tenantServiceUrl, "http://tenant:7101");
    assert.equal(config.serviceCredential.reveal(), "a-long-enough-credential");
    assert.equal(config.authIssuer, "atendo-staging");
  });

  it("reads how long plan limits are cached, and refuses a bad value", () => {
    assert.equal(loadConfig({ ...required, PLAN_LIMITS_CACHE_TTL_MS: "250" }).planLimitsCacheTtlMs, 250);
    assert.throws(
      () => loadConfig({ ...required, PLAN_LIMITS_CACHE_TTL_MS: "-1" }),
      (err: unknown) => err instanceof ConfigError && /PLAN_LIMITS_CACHE_TTL_MS/.test(err.message),
    );
  });

  it("refuses to start in production without a service credential", () => {
    assert.throws(
      () => loadConfig({ ...required, NODE_ENV: "production" }),
      (err: unknown) => err instanceof ConfigError && /SERVICE_CREDENTIAL/.test(err.message),
    );
  });
});
