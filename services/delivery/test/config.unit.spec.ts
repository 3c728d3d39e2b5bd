import assert from "node:assert/strict";
import { ConfigError, devServiceCredential } from "@atendo/service-kit";
import { loadConfig } from "../src/config.js";

const required = {
  DATABASE_URL: "postgres://atendo_delivery:atendo_delivery@127.0.0.1:55432/atendo",
  REDIS_URL: "redis://127.0.0.1:56379",
  NATS_URL: "nats://127.0.0.1:54222",
};

describe("config", () => {
  it("applies the local defaults", () => {
    const config = loadConfig(required);
    assert.equal(config.port, 7106);
    assert.equal(config.tenantServiceUrl, "http://127.0.0.1:7101");
    assert.equal(config.redisKeyPrefix, "atendo:");
    assert.equal(config.maxDeliver, 8);
    assert.equal(config.heldReconcileIntervalMs, 60_000);
    assert.equal("migrationDatabaseUrl" in config, false);
    assert.equal("busNamespace" in config, false);
    assert.equal(config.authIssuer, "atendo");
    assert.equal(config.serviceCredential.reveal(), devServiceCredential("delivery"));
  });

  it("keeps inbox rows RETENTION_DAYS (30), pruned every RETENTION_INTERVAL_MS (1 hour)", () => {
    assert.deepEqual(loadConfig(required).retention, { maxAgeMs: 30 * 86_400_000, intervalMs: 3_600_000 });
    assert.deepEqual(
      loadConfig({ ...required, RETENTION_DAYS: "8", RETENTION_INTERVAL_MS: "60000" }).retention,
      { maxAgeMs: 8 * 86_400_000, intervalMs: 60_000 },
    );
    assert.throws(
      () => loadConfig({ ...required, RETENTION_DAYS: "0" }),
      (err: unknown) => err instanceof ConfigError && /RETENTION_DAYS is invalid/.test(err.message),
    );
  });

  it("turns the periodic held-message pass off with 0 and refuses a negative interval", () => {
    assert.equal(loadConfig({ ...required, HELD_RECONCILE_INTERVAL_MS: "0" }).heldReconcileIntervalMs, 0);
    assert.equal(
      loadConfig({ ...required, HELD_RECONCILE_INTERVAL_MS: "5000" }).heldReconcileIntervalMs,
      5_000,
    );
    assert.throws(
      () => loadConfig({ ...required, HELD_RECONCILE_INTERVAL_MS: "-1" }),
      (err: unknown) =>
        err instanceof ConfigError && /HELD_RECONCILE_INTERVAL_MS is invalid/.test(err.message),
    );
  });

  it("needs its own service credential in production, and never prints it", () => {
    assert.throws(
      () => loadConfig({ ...required, NODE_ENV: "production" }),
      (err: unknown) => err instanceof ConfigError && /SERVICE_CREDENTIAL is missing/.test(err.message),
    );
    const credential = "a-production-credential-of-delivery";
    const config = loadConfig({
      ...required,
      NODE_ENV: "production",
      SERVICE_CREDENTIAL: credential,
      AUTH_ISSUER: "atendo-prod",
    });
    assert.equal(config.serviceCredential.reveal(), credential);
    assert.equal(config.authIssuer, "atendo-prod");
    assert.doesNotMatch(JSON.stringify(config), new RegExp(credential));
  });

  it("names every missing or invalid variable, without echoing URLs", () => {
    assert.throws(
      () =>
        loadConfig({ ...required, DATABASE_URL: "", DELIVERY_MAX_DELIVER: "0", NATS_URL: "http://u:pw@x" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /DATABASE_URL is missing/);
        assert.match(err.message, /DELIVERY_MAX_DELIVER is invalid/);
        assert.match(err.message, /NATS_URL is invalid/);
        assert.doesNotMatch(err.message, /pw/);
        return true;
      },
    );
  });
});
