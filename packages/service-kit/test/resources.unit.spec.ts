import assert from "node:assert/strict";
import { createResources } from "../src/index.js";
import { createLogSink, LEVEL } from "./support/log-sink.js";

/** A resource that records when it opens and closes. */
function tracked(events: string[], name: string) {
  return {
    open: async () => {
      events.push(`open ${name}`);
      return { name };
    },
    close: async (r: { name: string }) => {
      events.push(`close ${r.name}`);
    },
  };
}

describe("createResources", () => {
  it("closes what it opened in reverse order, once however often it is stopped", async () => {
    const { logger } = createLogSink();
    const resources = createResources(logger);
    const events: string[] = [];
    for (const name of ["db", "redis", "bus"]) {
      const r = tracked(events, name);
      await resources.open(name, r.open, r.close);
    }
    resources.onClose("server", () => void events.push("close server"));
    const first = resources.closeAll();
    const second = resources.closeAll();
    assert.equal(first, second, "one stop, shared by every caller");
    await Promise.all([first, second, resources.closeAll()]);
    assert.deepEqual(events, [
      "open db",
      "open redis",
      "open bus",
      "close server",
      "close bus",
      "close redis",
      "close db",
    ]);
  });

  it("on a failure during start, closes what was opened (in reverse) and rethrows", async () => {
    const { logger } = createLogSink();
    const resources = createResources(logger);
    const events: string[] = [];
    const failure = new Error("the bus is down");
    await assert.rejects(
      resources.guard(async () => {
        const db = tracked(events, "db");
        await resources.open("db", db.open, db.close);
        const redis = tracked(events, "redis");
        await resources.open("redis", redis.open, redis.close);
        await resources.open(
          "bus",
          async () => {
            throw failure;
          },
          () => void events.push("close bus"),
        );
        events.push("never reached");
      }),
      (err) => err === failure,
    );
    assert.deepEqual(events, ["open db", "open redis", "close redis", "close db"]);
  });

  it("logs a failing close and still runs the others", async () => {
    const { logger, lines } = createLogSink();
    const resources = createResources(logger);
    const events: string[] = [];
    const db = tracked(events, "db");
    await resources.open("db", db.open, db.close);
    await resources.open(
      "redis",
      async () => "redis",
      () => {
        throw new Error("QUIT failed");
      },
    );
    resources.onClose("relay", async () => {
      throw new Error("relay stuck");
    });
    resources.onClose("server", () => void events.push("close server"));
    await resources.closeAll();
    assert.deepEqual(events, ["open db", "close server", "close db"]);
    const failures = lines.filter((l) => l.msg === "closing failed");
    assert.deepEqual(
      failures.map((l) => [l.level, l.resource, (l.err as { message?: string }).message]),
      [
        [LEVEL.error, "relay", "relay stuck"],
        [LEVEL.error, "redis", "QUIT failed"],
      ],
    );
    assert.deepEqual(
      lines.filter((l) => l.msg === "closed").map((l) => l.resource),
      ["server", "db"],
    );
  });

  it("refuses to open once stopping, and closes at once what was being opened meanwhile", async () => {
    const { logger } = createLogSink();
    const resources = createResources(logger);
    const events: string[] = [];
    let created: () => void = () => {};
    const opening = resources.open(
      "consumer",
      () =>
        new Promise<string>((resolve) => {
          created = () => resolve("consumer");
        }),
      () => void events.push("close consumer"),
    );
    await resources.closeAll();
    created();
    await assert.rejects(opening, /consumer was opened while the service was stopping/);
    assert.deepEqual(events, ["close consumer"]);
    await assert.rejects(
      resources.open(
        "late",
        () => "late",
        () => undefined,
      ),
      /cannot open late: the service is stopping/,
    );
    assert.throws(() => resources.onClose("later", () => undefined), /cannot open later/);
  });
});
