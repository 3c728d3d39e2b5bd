import assert from "node:assert/strict";
import { streamConfig } from "@atendo/testing";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const DAY_MS = 24 * 3_600_000;
// JetStream states ages in nanoseconds.
const nanos = (ms: number) => ms * 1_000_000;

describe("the tenant service's streams", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  it("keeps tenant events 31 days, longer than every service's access watch replays (30)", async () => {
    const config = await streamConfig(h.bus.streamFor("tenant"));
    assert.equal(config.max_age, nanos(31 * DAY_MS));
  });

  it("keeps dead letters DEAD_LETTER_RETENTION_DAYS", async () => {
    // The stream is shared: the last process to connect sets it, here a replica that reads 45.
    await h.replica({ DEAD_LETTER_RETENTION_DAYS: "45" });
    const config = await streamConfig(h.bus.streamFor("deadletter"));
    assert.equal(config.max_age, nanos(45 * DAY_MS));
  });
});
