import assert from "node:assert/strict";
import { authConfigSpec, ConfigError, devServiceCredential, readConfig } from "../src/index.js";

describe("authConfigSpec", () => {
  it("defaults to the well-known development credential and the atendo issuer outside production", () => {
    const env = { NODE_ENV: "development" };
    const config = readConfig(authConfigSpec("ingress", env), env);
    assert.equal(config.SERVICE_CREDENTIAL.reveal(), devServiceCredential("ingress"));
    assert.equal(config.SERVICE_CREDENTIAL.reveal(), "dev-service-credential-ingress");
    assert.equal(config.AUTH_ISSUER, "atendo");
    assert.equal(JSON.stringify(config).includes("dev-service-credential"), false, "the secret is masked");
  });

  it("refuses to start in production without a credential, and refuses a short one", () => {
    const env = { NODE_ENV: "production" };
    assert.throws(
      () => readConfig(authConfigSpec("ingress", env), env),
      (e: unknown) => e instanceof ConfigError && /SERVICE_CREDENTIAL is missing/.test(e.message),
    );
    const strong = { ...env, SERVICE_CREDENTIAL: "s".repeat(32), AUTH_ISSUER: "https://auth.example" };
    const config = readConfig(authConfigSpec("ingress", strong), strong);
    assert.equal(config.SERVICE_CREDENTIAL.reveal(), "s".repeat(32));
    assert.equal(config.AUTH_ISSUER, "https://auth.example");
    const weak = { ...env, SERVICE_CREDENTIAL: "short-secret" };
    assert.throws(
      () => readConfig(authConfigSpec("ingress", weak), weak),
      (e: unknown) =>
        e instanceof ConfigError &&
        /SERVICE_CREDENTIAL is invalid: got a value that is too short; it should be at least 16 characters/.test(
          e.message,
        ) &&
        !e.message.includes("short-secret"),
    );
  });
});
