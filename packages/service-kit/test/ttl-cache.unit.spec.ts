import assert from "node:assert/strict";
import { createTtlCache } from "../src/index.js";

describe("createTtlCache", () => {
  // The clock the caches read; the tests move it by hand.
  let now = 1_000;
  const clock = {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };

  it("keeps an entry for its ttl inclusive, undefined values too", () => {
    const cache = createTtlCache<string | undefined>({ now: clock.now });
    cache.set("a", "A", { ttlMs: 100 });
    cache.set("missing", undefined, { ttlMs: 50 });
    assert.equal(cache.get("a"), "A");
    assert.equal(cache.hit("missing") !== undefined, true, "an answer of nothing is remembered");
    assert.equal(cache.get("missing"), undefined);
    clock.advance(50);
    assert.equal(cache.hit("missing") !== undefined, true, "still live at exactly its ttl");
    clock.advance(1);
    assert.equal(cache.hit("missing") !== undefined, false);
    assert.equal(cache.get("a"), "A");
    clock.advance(50);
    assert.equal(cache.get("a"), undefined);
  });

  it("hit reads the clock once: an entry live when looked at is returned, value and all", () => {
    let reads = 0;
    // A clock that moves a millisecond at every read, as a busy process's does.
    const cache = createTtlCache<string | undefined>({ now: () => now + reads++ });
    cache.set("missing", undefined, { ttlMs: 50 });
    now += 50 - reads; // the next read is the entry's last live millisecond
    assert.deepEqual(cache.hit("missing"), { value: undefined });
    assert.equal(cache.hit("missing"), undefined, "expired at the next millisecond");
  });

  it("uses the cache's ttl by default, keeps nothing for a ttl of 0, and for good without one", () => {
    const short = createTtlCache<string>({ ttlMs: 10, now: clock.now });
    assert.equal(short.set("k", "v"), true);
    assert.equal(short.set("zero", "v", { ttlMs: 0 }), false);
    assert.equal(short.hit("zero") !== undefined, false);
    const off = createTtlCache<string>({ ttlMs: 0, now: clock.now });
    assert.equal(off.set("k", "v"), false, "a ttl of 0 turns the cache off");
    assert.equal(off.size, 0);
    const forever = createTtlCache<string>({ now: clock.now });
    forever.set("k", "v");
    clock.advance(365 * 24 * 3_600_000);
    assert.equal(short.get("k"), undefined);
    assert.equal(forever.get("k"), "v");
  });

  it("drops the least recently used entry when full", () => {
    const cache = createTtlCache<string>({ maxEntries: 2 });
    cache.set("a", "A");
    cache.set("b", "B");
    assert.equal(cache.get("a"), "A"); // a is now the most recently used
    cache.set("c", "C");
    assert.equal(cache.size, 2);
    assert.equal(cache.hit("b") !== undefined, false, "the least recently used went");
    assert.deepEqual([cache.get("a"), cache.get("c")], ["A", "C"]);
  });

  it("does not keep an answer looked up across a deletion (mark / ifUnchangedSince)", () => {
    const cache = createTtlCache<string>({ ttlMs: 1_000 });
    cache.set("tenant-1:channel-a", "old");
    const before = cache.mark();
    // An invalidation arrives while the lookup is on its way.
    cache.deleteWhere((_, key) => key.startsWith("tenant-1:"));
    assert.equal(cache.hit("tenant-1:channel-a") !== undefined, false);
    assert.equal(cache.set("tenant-1:channel-a", "stale", { ifUnchangedSince: before }), false);
    assert.equal(cache.hit("tenant-1:channel-a") !== undefined, false);
    const after = cache.mark();
    assert.equal(cache.set("tenant-1:channel-a", "fresh", { ifUnchangedSince: after }), true);
    assert.equal(cache.get("tenant-1:channel-a"), "fresh");
    for (const drop of [() => cache.delete("x"), () => cache.clear()]) {
      const mark = cache.mark();
      drop();
      assert.notEqual(cache.mark(), mark, "every deletion moves the mark");
    }
  });
});
