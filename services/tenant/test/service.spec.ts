import assert from "node:assert/strict";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("service process", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  it("reports ready once Postgres, NATS and Redis answer", async () => {
    const res = await fetch(`${h.url}/readyz`);
    assert.equal(res.status, 200);
    const body = await res.text();
    for (const check of ["postgres", "nats", "redis"]) assert.match(body, new RegExp(check));
    assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
  });
});
