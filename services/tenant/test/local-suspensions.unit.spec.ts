import assert from "node:assert/strict";
import { createLocalSuspensions } from "../src/auth/local-suspensions.js";

describe("local suspensions (the tenant service's own interceptor)", () => {
  const tenant = "0190c4a2-0000-7000-8000-000000000001";

  it("applies what the watch hears", () => {
    const s = createLocalSuspensions();
    s.suspend(tenant);
    assert.equal(s.has(tenant), true);
    s.reactivate(tenant);
    assert.equal(s.has(tenant), false);
  });

  it("applies a status committed here at once, and keeps it over older events until its own comes back", () => {
    const s = createLocalSuspensions();
    s.committed(tenant, true);
    assert.equal(s.has(tenant), true, "suspended here before any event");
    s.committed(tenant, false);
    // The suspension's event arrives after the reactivation committed: still active here.
    s.suspend(tenant);
    assert.equal(s.has(tenant), false);
    // The reactivation's own event: from now on the watch decides again.
    s.reactivate(tenant);
    s.suspend(tenant); // a later suspension through another replica
    assert.equal(s.has(tenant), true);
  });

  it("lets the watch decide again once the hold ran out (the committed status's event never came)", () => {
    let now = 0;
    const s = createLocalSuspensions({ holdMs: 1_000, now: () => now });
    s.suspend(tenant);
    s.committed(tenant, false);
    assert.equal(s.has(tenant), false);
    now = 1_000;
    assert.equal(s.has(tenant), true);
  });
});
