import assert from "node:assert/strict";
import { Health } from "@atendo/proto/health/v1";
import { create } from "@bufbuild/protobuf";
import { definePolicy, methodsWithoutRule, policyOf, ruleOf } from "../src/index.js";
import { EchoService } from "./support/echo-service.js";
import { guardedPolicy } from "./support/guarded-impl.js";
import { GuardedRequestSchema, GuardedService } from "./support/guarded-service.js";

describe("policies", () => {
  it("lists every method without a rule, across services: what the authorization matrix fails on", () => {
    assert.deepEqual(methodsWithoutRule([guardedPolicy], [GuardedService]), []);
    assert.deepEqual(methodsWithoutRule([guardedPolicy], [GuardedService, EchoService]), [
      "kittest.v1.EchoService/Echo",
      "kittest.v1.EchoService/Ticks",
    ]);
  });

  it("finds a service's policy and a method's rule, typed by the method's input", () => {
    assert.equal(policyOf([guardedPolicy], GuardedService), guardedPolicy);
    assert.equal(policyOf([guardedPolicy], EchoService), undefined);
    const rule = ruleOf([guardedPolicy], GuardedService.method.write);
    assert.equal(rule?.role, "admin");
    assert.equal(rule?.scope, "things:write");
    const req = create(GuardedRequestSchema, { workspaceId: "w-1" });
    assert.equal(rule?.workspace?.(req), "w-1");
    assert.equal(ruleOf([guardedPolicy], Health.method.check), undefined);
  });

  it("refuses a rule for a method the service does not have", () => {
    // Built outside a literal, so only the run-time check stands between a typo and an unguarded RPC.
    const rules = { ...guardedPolicy.rules, reed: { role: "agent" as const } };
    assert.throws(() => definePolicy(GuardedService, rules), /unknown methods: reed/);
  });

  it("makes TypeScript refuse a missing or unknown method and a wrong input field", () => {
    // The @ts-expect-error lines are checked by the repository's type check: each must be an error.
    const { open: _open, ...missingOpen } = guardedPolicy.rules;
    // @ts-expect-error: the rule of `open` is missing
    const missing = definePolicy(GuardedService, missingOpen);
    // At run time such a method is unguarded, hence refused, and the matrix names it.
    assert.deepEqual(methodsWithoutRule([missing], [GuardedService]), ["kittest.v1.GuardedService/Open"]);

    assert.throws(
      () =>
        definePolicy(GuardedService, {
          ...guardedPolicy.rules,
          // @ts-expect-error: `reed` is not a method of GuardedService
          reed: { role: "agent" },
        }),
      /unknown methods: reed/,
    );

    const wrongField = definePolicy(GuardedService, {
      ...guardedPolicy.rules,
      // @ts-expect-error: GuardedRequest has no `workspace` field
      read: { role: "agent", workspace: (req) => req.workspace },
    });
    const req = create(GuardedRequestSchema, { workspaceId: "w-1" });
    assert.equal(ruleOf([wrongField], GuardedService.method.read)?.workspace?.(req), undefined);
  });
});
