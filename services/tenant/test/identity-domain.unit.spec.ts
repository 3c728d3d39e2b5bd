import assert from "node:assert/strict";
import { clientIp } from "@atendo/service-kit";
import { apiKeyPrefix, newApiKey } from "../src/domain/api-key-format.js";
import {
  activeKey,
  planRotation,
  publishedKeys,
  type ScheduledKey,
} from "../src/domain/signing-key-schedule.js";
import { slugFromName } from "../src/domain/slug.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const DAY_S = 24 * 3600;

describe("identity domain", () => {
  describe("signing key schedule", () => {
    const first: ScheduledKey = { kid: "a", createdAt: at(0), activeFrom: at(0), retireAfter: null };
    const keys: ScheduledKey[] = [
      first,
      { kid: "b", createdAt: at(10), activeFrom: at(70), retireAfter: null },
    ];

    it("signs with the newest key whose time has come, and publishes pending keys", () => {
      assert.equal(activeKey(keys, at(69))?.kid, "a");
      assert.equal(activeKey(keys, at(70))?.kid, "b");
      assert.deepEqual(
        publishedKeys(keys, at(20)).map((k) => k.kid),
        ["a", "b"],
      );
      const retired = [{ ...first, retireAfter: at(5) }];
      assert.deepEqual(publishedKeys(retired, at(5)), []);
      assert.equal(activeKey(retired, at(6)), undefined);
    });

    it("retires replaced keys after the longest token, or at activation when compromised", () => {
      const plan = planRotation(keys.slice(0, 1), at(100), { graceS: 60, compromised: false });
      assert.deepEqual(plan.activeFrom, at(160));
      assert.deepEqual(plan.retire, [
        { kid: "a", retireAfter: new Date(at(160).getTime() + 30 * DAY_S * 1000) },
      ]);
      const leak = planRotation(keys.slice(0, 1), at(100), { graceS: 60, compromised: true });
      assert.deepEqual(leak.retire, [{ kid: "a", retireAfter: at(160) }]);
      // An earlier retirement is never pushed back.
      const early = planRotation([{ ...first, retireAfter: at(130) }], at(100), {
        graceS: 60,
        compromised: false,
      });
      assert.deepEqual(early.retire, [{ kid: "a", retireAfter: at(130) }]);
    });
  });

  it("derives slugs within the contract's pattern", () => {
    const pattern = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
    for (const [name, expected] of [
      ["Café Zé & Filhos", "cafe-ze-filhos"],
      ["  --Acme--  ", "acme"],
      ["AB", "ab-team"],
      ["Admin", "admin-team"],
      ["日本", "team"],
    ] as const) {
      assert.equal(slugFromName(name), expected);
      assert.match(slugFromName(name, "a1b2c3"), pattern);
    }
    assert.match(slugFromName("x".repeat(90), "a1b2c3"), pattern);
  });

  it("takes the client address the edge appended, and nothing a client claims", () => {
    const h = (value?: string) => new Headers(value === undefined ? {} : { "x-forwarded-for": value });
    assert.equal(clientIp(h("198.51.100.7, 10.0.0.5")), "10.0.0.5");
    assert.equal(clientIp(h("2001:db8::1")), "2001:db8::1");
    assert.equal(clientIp(h("10.0.0.5, not-an-ip")), "unknown");
    assert.equal(clientIp(h()), "unknown");
  });

  it("makes API keys whose prefix is their only public part", () => {
    const { key, prefix } = newApiKey();
    assert.equal(apiKeyPrefix(key), prefix);
    assert.notEqual(newApiKey().key, key);
    for (const bad of ["atd_live_short_x", `atd_test_${prefix}_${"a".repeat(43)}`, `${key}x`]) {
      assert.equal(apiKeyPrefix(bad), undefined);
    }
  });
});
