import assert from "node:assert/strict";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { callerTenant, type Principal, principalKey } from "../src/index.js";

const TENANT = "0190f000-0000-7000-8000-0000000000a1";
const WORKSPACE = "0190f000-0000-7000-8000-0000000000b1";

const ctxOf = (principal: Principal | undefined) => ({
  values: createContextValues().set(principalKey, principal),
});

describe("callerTenant", () => {
  it("is the tenant of a user, an API key or a visitor", () => {
    const callers: Principal[] = [
      { kind: "user", userId: "u", tenantId: TENANT, role: "agent", workspaceIds: [], platformAdmin: false },
      { kind: "api_key", apiKeyId: "k", tenantId: TENANT, workspaceId: WORKSPACE, scopes: [] },
      {
        kind: "visitor",
        tenantId: TENANT,
        workspaceId: WORKSPACE,
        channelId: "c",
        visitorId: "v",
        sessionId: "s",
        verified: false,
      },
    ];
    for (const principal of callers) assert.equal(callerTenant(ctxOf(principal)), TENANT, principal.kind);
  });

  it("refuses a service (no tenant of its own) and a call without a caller", () => {
    const refusal = (principal: Principal | undefined) => {
      try {
        callerTenant(ctxOf(principal));
      } catch (err) {
        return ConnectError.from(err).code;
      }
      return "returned a tenant";
    };
    assert.equal(refusal({ kind: "service", service: "ai" }), Code.PermissionDenied);
    assert.equal(refusal(undefined), Code.Unauthenticated);
  });
});
