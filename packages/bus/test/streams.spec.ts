import assert from "node:assert/strict";
import { nanos } from "@nats-io/nats-core";
import { openTestBus, type TestBus } from "./support/harness.js";

describe("ensureStream (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("creates a file-backed stream for the domain's subjects", async () => {
    const res = await t.bus.ensureStream({
      domain: "bustest",
      duplicateWindowMs: 60_000,
      maxAgeMs: 3_600_000,
    });
    assert.deepEqual(res, { stream: `ATENDO_BUSTEST_${t.namespace.toUpperCase()}`, action: "created" });
    const info = await t.jsm.streams.info(res.stream);
    assert.deepEqual(info.config.subjects, [`${t.namespace}.atendo.bustest.v1.>`]);
    assert.equal(info.config.storage, "file");
    assert.equal(info.config.retention, "limits");
    assert.equal(info.config.duplicate_window, nanos(60_000));
    assert.equal(info.config.max_age, nanos(3_600_000));
  });

  it("is a no-op the second time", async () => {
    const first = await t.bus.ensureStream({ domain: "bustest" });
    const before = await t.jsm.streams.info(first.stream);
    const second = await t.bus.ensureStream({ domain: "bustest" });
    assert.equal(second.action, "unchanged");
    const after = await t.jsm.streams.info(first.stream);
    assert.equal(after.created, before.created);
    assert.deepEqual(after.config, before.config);
  });

  it("updates the stream when the configuration differs, keeping its events", async () => {
    const { stream } = await t.bus.ensureStream({ domain: "bustest", maxAgeMs: 3_600_000 });
    await t.nc.request(`${t.namespace}.atendo.bustest.v1.pinged`, new Uint8Array([1]));
    const res = await t.bus.ensureStream({
      domain: "bustest",
      maxAgeMs: 7_200_000,
      duplicateWindowMs: 30_000,
    });
    assert.equal(res.action, "updated");
    const info = await t.jsm.streams.info(stream);
    assert.equal(info.config.max_age, nanos(7_200_000));
    assert.equal(info.config.duplicate_window, nanos(30_000));
    assert.equal(info.state.messages, 1);
  });

  it("rejects a duplicate window longer than the retention", async () => {
    await assert.rejects(
      t.bus.ensureStream({ domain: "bustest", maxAgeMs: 1_000, duplicateWindowMs: 2_000 }),
      /cannot exceed maxAgeMs/,
    );
    await assert.rejects(t.bus.ensureStream({ domain: "Bad_Domain" }), /invalid bus domain/);
  });

  it("deletes only its own namespace's streams", async () => {
    const other = await openTestBus();
    try {
      await t.bus.ensureStream({ domain: "bustest" });
      await t.bus.ensureStream({ domain: "other" });
      await other.bus.ensureStream({ domain: "bustest" });
      const deleted = await t.bus.deleteNamespaceStreams();
      assert.deepEqual(deleted.sort(), [t.bus.streamFor("bustest"), t.bus.streamFor("other")].sort());
      const info = await other.jsm.streams.info(other.bus.streamFor("bustest"));
      assert.equal(info.config.name, other.bus.streamFor("bustest"));
    } finally {
      await other.cleanup();
    }
  });
});
