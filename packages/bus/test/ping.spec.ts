import assert from "node:assert/strict";
import { waitFor } from "@atendo/testing";
import { pino } from "pino";
import { type BusLogger, connectBus } from "../src/index.js";
import { openTestBus, pinged, type TestBus } from "./support/harness.js";
import { gate } from "./support/hold.js";
import { PingedSchema } from "./support/schemas.js";

describe("bus lifecycle (real NATS)", () => {
  let t: TestBus;

  beforeEach(async () => {
    t = await openTestBus();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("a pino logger is a BusLogger", () => {
    const logger: BusLogger = pino({ level: "silent" });
    assert.equal(typeof logger.child({ a: 1 }).info, "function");
  });

  it("ping() answers while connected and rejects after close()", async () => {
    await t.bus.ping();
    const bus = await t.reopen();
    await bus.ping({ timeoutMs: 1_000 });
    await bus.close();
    await assert.rejects(bus.ping(), /closed/);
  });

  it("close() stops consumers after their in-flight handlers", async () => {
    await t.bus.ensureStream({ domain: "bustest" });
    const bus = await t.reopen();
    const release = gate();
    let started = false;
    let finished = false;
    await bus.consume({
      durable: "closing",
      schema: PingedSchema,
      handler: async () => {
        started = true;
        await release.promise;
        finished = true;
      },
    });
    await t.bus.publish(PingedSchema, pinged("x"));
    await waitFor(() => started, { message: "the handler to start" });
    const closing = bus.close();
    release.open();
    await closing;
    assert.equal(finished, true);
    await assert.rejects(bus.consume({ durable: "late", schema: PingedSchema, handler: () => {} }), /closed/);
  });

  it("fails to connect with a clear message and no credentials in it", async () => {
    await assert.rejects(
      connectBus({
        servers: "nats://user:secret@127.0.0.1:1",
        name: "bus-test",
        logger: pino({ level: "silent" }),
      }),
      (err: Error) => {
        assert.match(err.message, /^cannot connect to NATS at nats:\/\/\*\*\*@127\.0\.0\.1:1: /);
        assert.doesNotMatch(err.message, /secret/);
        return true;
      },
    );
  });
});
