import assert from "node:assert/strict";
import { nanos } from "@nats-io/nats-core";
import { pino } from "pino";
import { connectBus } from "../src/index.js";
import { natsUrl, openTestBus, type TestBus } from "./support/harness.js";
import { PingedSchema } from "./support/schemas.js";

const DAY_MS = 24 * 3_600_000;

describe("dead-letter retention (real NATS)", () => {
  let t: TestBus;

  afterEach(async () => {
    await t.cleanup();
  });

  async function deadLetterMaxAge(): Promise<number> {
    const info = await t.jsm.streams.info(t.bus.streamFor("deadletter"));
    return info.config.max_age;
  }

  it("keeps dead letters 30 days by default", async () => {
    t = await openTestBus();
    const consumer = await t.bus.consume({ durable: "retention", schema: PingedSchema, handler: () => {} });
    await consumer.stop();
    assert.equal(await deadLetterMaxAge(), nanos(30 * DAY_MS));
  });

  it("gives the dead-letter stream the configured retention, and applies a changed one", async () => {
    t = await openTestBus({ deadLetterRetentionDays: 3 });
    const first = await t.bus.consume({ durable: "retention", schema: PingedSchema, handler: () => {} });
    await first.stop();
    assert.equal(await deadLetterMaxAge(), nanos(3 * DAY_MS));

    // A redeployment with another setting updates the existing stream when it next consumes.
    const redeployed = await connectBus({
      servers: natsUrl,
      name: "bus-test",
      logger: pino({ level: "silent" }),
      namespace: t.namespace,
      deadLetterRetentionDays: 45,
    });
    try {
      const again = await redeployed.consume({
        durable: "retention",
        schema: PingedSchema,
        handler: () => {},
      });
      await again.stop();
      assert.equal(await deadLetterMaxAge(), nanos(45 * DAY_MS));
    } finally {
      await redeployed.close();
    }
  });

  it("refuses a retention that is not a whole number of days", async () => {
    t = await openTestBus();
    for (const days of [0, -1, 1.5]) {
      await assert.rejects(
        connectBus({
          servers: natsUrl,
          name: "bus-test",
          logger: pino({ level: "silent" }),
          deadLetterRetentionDays: days,
        }),
        /deadLetterRetentionDays must be an integer >= 1/,
      );
    }
  });
});
