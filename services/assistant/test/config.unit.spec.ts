import assert from "node:assert/strict";
import { ConfigError, devServiceCredential } from "@atendo/service-kit";
import { loadConfig } from "../src/config.js";

const required = {
  DATABASE_URL: "postgres://atendo_assistant:atendo_assistant@127.0.0.1:55432/atendo",
  NATS_URL: "nats://127.0.0.1:54222",
};

describe("assistant config", () => {
  it("uses local defaults outside production, with the development service credential", () => {
    const config = loadConfig(required);
    assert.equal(config.port, 7104);
    assert.equal(config.tenantServiceUrl, "http://127.0.0.1:7101");
    assert.equal(config.authIssuer, "atendo");
    assert.equal(config.serviceCredential.reveal(), devServiceCredential("assistant"));
    // The credential never shows when the config is printed.
    assert.doesNotMatch(JSON.stringify(config), /dev-service-credential/);
  });

  it("reads the auth settings", () => {
    const config = loadConfig({
      ...required,
      SERVICE_CREDENTIAL: "a-long-enough-credential",
      AUTH_ISSUER: "atendo-staging",
    });
    assert.equal(config.serviceCredential.reveal(), "a-long-enough-credential");
    assert.equal(config.authIssuer, "atendo-staging");
  });

  it("reads the outbox and retention settings, with their defaults", () => {
    const defaults = loadConfig(required);
    assert.deepEqual(defaults.outboxRelay, { intervalMs: 1_000, maxAttempts: 10 });
    assert.deepEqual(defaults.retention, { maxAgeMs: 30 * 24 * 3_600_000, intervalMs: 3_600_000 });
    const set = loadConfig({
      ...required,
      OUTBOX_RELAY_INTERVAL_MS: "250",
      OUTBOX_MAX_ATTEMPTS: "3",
      RETENTION_DAYS: "7",
      RETENTION_INTERVAL_MS: "60000",
    });
    assert.deepEqual(set.outboxRelay, { intervalMs: 250, maxAttempts: 3 });
    assert.deepEqual(set.retention, { maxAgeMs: 7 * 24 * 3_600_000, intervalMs: 60_000 });
    assert.throws(
      () => loadConfig({ ...required, RETENTION_DAYS: "0", OUTBOX_RELAY_INTERVAL_MS: "10" }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /RETENTION_DAYS/.test(err.message) &&
        /OUTBOX_RELAY_INTERVAL_MS/.test(err.message),
    );
  });

  it("refuses to start in production without a service credential", () => {
    assert.throws(
      () => loadConfig({ ...required, NODE_ENV: "production" }),
      (err: unknown) => err instanceof ConfigError && /SERVICE_CREDENTIAL/.test(err.message),
    );
  });
});
