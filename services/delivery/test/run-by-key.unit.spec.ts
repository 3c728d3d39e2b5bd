import assert from "node:assert/strict";
import { runByKey } from "../src/domain/run-by-key.js";

/** A task whose completion the test controls. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("runByKey", () => {
  it("keeps the order of one key and runs keys side by side up to the limit", async () => {
    const items = [
      { key: "a", n: 1 },
      { key: "b", n: 1 },
      { key: "a", n: 2 },
      { key: "c", n: 1 },
      { key: "a", n: 3 },
    ];
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const gates = new Map(items.map((i) => [`${i.key}${i.n}`, gate()]));
    const done = runByKey(
      items,
      (i) => i.key,
      2,
      async (i) => {
        const name = `${i.key}${i.n}`;
        started.push(name);
        running++;
        most = Math.max(most, running);
        await gates.get(name)?.opened;
        running--;
      },
    );
    // a1 and b1 start; nothing else until one of them ends.
    await Promise.resolve();
    assert.deepEqual(started, ["a1", "b1"]);
    gates.get("b1")?.open();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, ["a1", "b1", "c1"], "a2 waits for a1");
    for (const g of gates.values()) g.open();
    await done;
    assert.deepEqual(
      started.filter((s) => s.startsWith("a")),
      ["a1", "a2", "a3"],
    );
    assert.equal(most, 2);
  });

  it("stops taking work after a failure and rethrows it", async () => {
    const ran: number[] = [];
    await assert.rejects(
      runByKey(
        [1, 2, 3, 4],
        (n) => String(n),
        1,
        async (n) => {
          ran.push(n);
          if (n === 2) throw new Error("boom");
        },
      ),
      /boom/,
    );
    assert.deepEqual(ran, [1, 2]);
  });

  it("does nothing for no items", async () => {
    let calls = 0;
    await runByKey([], String, 4, async () => {
      calls++;
    });
    assert.equal(calls, 0);
  });
});
