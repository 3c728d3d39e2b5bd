import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ApiKeyIntrospection, ApiKeyPrincipal } from "../src/index.js";
import { createApiKeyCache, createWorkspaceDirectory } from "../src/index.js";

/** A clock the test moves by hand: ttls are checked without waiting. */
function manualClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A promise released by the test, to keep a lookup in flight. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const KEY = `atd_live_abcdefabcdef_${"s".repeat(43)}`;
const OTHER_KEY = `atd_live_000000000000_${"t".repeat(43)}`;

function keyPrincipal(apiKeyId = randomUUID()): ApiKeyPrincipal {
  return {
    kind: "api_key",
    apiKeyId,
    tenantId: randomUUID(),
    workspaceId: randomUUID(),
    scopes: ["contacts:read"],
  };
}

describe("API key cache", () => {
  function setup(answer: (key: string) => ApiKeyIntrospection | undefined, maxEntries?: number) {
    const clock = manualClock();
    const asked: string[] = [];
    const cache = createApiKeyCache({
      introspect: async (key) => {
        asked.push(key);
        return answer(key);
      },
      clock: clock.now,
      ...(maxEntries === undefined ? {} : { maxEntries }),
    });
    return { cache, clock, asked };
  }

  it("reuses an answer for its ttl, then asks again", async () => {
    const principal = keyPrincipal();
    const { cache, clock, asked } = setup(() => ({ principal, cacheTtlMs: 2000 }));
    assert.deepEqual(await cache.resolve(KEY), principal);
    clock.advance(1999);
    assert.deepEqual(await cache.resolve(KEY), principal);
    assert.equal(asked.length, 1);
    clock.advance(2);
    await cache.resolve(KEY);
    assert.equal(asked.length, 2);
  });

  it("caps the ttl at 5 s, so a revoked key stops working within seconds", async () => {
    const principal = keyPrincipal();
    let revoked = false;
    const { cache, clock, asked } = setup(() => (revoked ? undefined : { principal, cacheTtlMs: 3_600_000 }));
    assert.deepEqual(await cache.resolve(KEY), principal);
    revoked = true;
    clock.advance(5000);
    assert.deepEqual(await cache.resolve(KEY), principal, "still cached at exactly 5 s");
    clock.advance(1);
    assert.equal(await cache.resolve(KEY), undefined);
    assert.equal(asked.length, 2);
  });

  it("remembers an unknown key for 1 s", async () => {
    const { cache, clock, asked } = setup(() => undefined);
    assert.equal(await cache.resolve(KEY), undefined);
    clock.advance(1000);
    assert.equal(await cache.resolve(KEY), undefined);
    assert.equal(asked.length, 1);
    clock.advance(1);
    await cache.resolve(KEY);
    assert.equal(asked.length, 2);
  });

  it("evict(apiKeyId) forgets the key at once, even an answer still in flight", async () => {
    const principal = keyPrincipal();
    const other = keyPrincipal();
    const { cache, asked } = setup((key) => ({
      principal: key === KEY ? principal : other,
      cacheTtlMs: 5000,
    }));
    await cache.resolve(KEY);
    await cache.resolve(OTHER_KEY);
    cache.evict(principal.apiKeyId);
    await cache.resolve(KEY);
    await cache.resolve(OTHER_KEY);
    assert.deepEqual(asked, [KEY, OTHER_KEY, KEY], "only the evicted key is asked again");

    // An introspection that started before the revocation must not cache its (stale) answer, and a
    // call made after it must not share it.
    const gated = () => {
      const gate = deferred<void>();
      const counted = { calls: 0 };
      const cache = createApiKeyCache({
        introspect: async () => {
          counted.calls++;
          await gate.promise;
          return { principal, cacheTtlMs: 5000 };
        },
      });
      return { gate, counted, cache };
    };
    const a = gated();
    const pending = a.cache.resolve(KEY);
    a.cache.evict(principal.apiKeyId);
    a.gate.resolve();
    await pending;
    await a.cache.resolve(KEY);
    assert.equal(a.counted.calls, 2, "the answer fetched before the eviction was not kept");

    const b = gated();
    const earlier = b.cache.resolve(KEY);
    b.cache.evict(principal.apiKeyId);
    const later = b.cache.resolve(KEY);
    assert.equal(b.counted.calls, 2, "a call after the eviction does not join the lookup started before it");
    b.gate.resolve();
    await Promise.all([earlier, later]);
    await b.cache.resolve(KEY);
    assert.equal(b.counted.calls, 2, "the answer fetched after the eviction is kept");
  });

  it("asks once for concurrent requests with the same key", async () => {
    const gate = deferred<void>();
    let calls = 0;
    const principal = keyPrincipal();
    const cache = createApiKeyCache({
      introspect: async () => {
        calls++;
        await gate.promise;
        return { principal, cacheTtlMs: 5000 };
      },
    });
    const all = Promise.all([cache.resolve(KEY), cache.resolve(KEY), cache.resolve(KEY)]);
    gate.resolve();
    assert.deepEqual(await all, [principal, principal, principal]);
    assert.equal(calls, 1);
  });

  it("never asks about what is not an Atendo key, and does not cache failures", async () => {
    let fail = true;
    const principal = keyPrincipal();
    const { cache, asked } = setup(() => {
      if (fail) throw new Error("tenant service down");
      return { principal, cacheTtlMs: 5000 };
    });
    assert.equal(await cache.resolve("sk_live_something"), undefined);
    assert.equal(await cache.resolve(`atd_live_${"x".repeat(300)}`), undefined);
    assert.equal(asked.length, 0);
    await assert.rejects(cache.resolve(KEY), /tenant service down/);
    fail = false;
    assert.deepEqual(await cache.resolve(KEY), principal);
  });

  it("is bounded: the least recently used key goes first", async () => {
    const { cache, asked } = setup(() => ({ principal: keyPrincipal(), cacheTtlMs: 5000 }), 2);
    const third = `atd_live_111111111111_${"u".repeat(43)}`;
    await cache.resolve(KEY);
    await cache.resolve(OTHER_KEY);
    await cache.resolve(third);
    await cache.resolve(OTHER_KEY);
    await cache.resolve(KEY);
    assert.deepEqual(asked, [KEY, OTHER_KEY, third, KEY]);
  });
});

describe("workspace directory", () => {
  it("keeps found workspaces for good, unknown ones for 1 s, and asks once for concurrent lookups", async () => {
    const clock = manualClock();
    const [ws, tenant, later] = [randomUUID(), randomUUID(), randomUUID()];
    const table = new Map<string, string>([[ws, tenant]]);
    const asked: string[] = [];
    const gate = deferred<void>();
    let held = true;
    const dir = createWorkspaceDirectory({
      lookup: async (id) => {
        asked.push(id);
        if (held) await gate.promise;
        return table.get(id);
      },
      clock: clock.now,
    });
    const all = Promise.all([dir.tenantOf(ws), dir.tenantOf(ws)]);
    gate.resolve();
    assert.deepEqual(await all, [tenant, tenant]);
    held = false;
    clock.advance(365 * 24 * 3600 * 1000);
    assert.equal(await dir.tenantOf(ws), tenant);
    assert.deepEqual(asked, [ws]);

    assert.equal(await dir.tenantOf(later), undefined);
    table.set(later, tenant); // created a moment later
    clock.advance(1000);
    assert.equal(await dir.tenantOf(later), undefined, "unknown for 1 s");
    clock.advance(1);
    assert.equal(await dir.tenantOf(later), tenant);
    assert.equal(await dir.tenantOf(""), undefined);
    assert.deepEqual(asked, [ws, later, later]);
  });

  it("is bounded and does not cache failures", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const asked: string[] = [];
    let fail = false;
    const dir = createWorkspaceDirectory({
      lookup: async (id) => {
        asked.push(id);
        if (fail) throw new Error("down");
        return "t";
      },
      maxEntries: 2,
    });
    for (const id of ids) await dir.tenantOf(id);
    await dir.tenantOf(ids[2] ?? "");
    await dir.tenantOf(ids[0] ?? "");
    assert.deepEqual(asked, [...ids, ids[0]]);
    fail = true;
    const fresh = randomUUID();
    await assert.rejects(dir.tenantOf(fresh), /down/);
    fail = false;
    assert.equal(await dir.tenantOf(fresh), "t");
  });
});
