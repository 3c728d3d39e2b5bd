import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  IntrospectApiKeyResponseSchema,
  IssueServiceTokenResponseSchema,
  PrincipalKind,
  PrincipalSchema,
} from "@atendo/proto/tenant/v1";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { introspectionFrom, issuedTokenFrom } from "../src/index.js";

// How createTenantAuth reads the tenant service's answers (AuthService contract).
describe("tenant service answers", () => {
  const apiKeyPrincipal = (overrides: MessageInitShape<typeof PrincipalSchema> = {}) =>
    create(PrincipalSchema, {
      kind: PrincipalKind.API_KEY,
      tenantId: randomUUID(),
      workspaceIds: [randomUUID()],
      apiKeyId: randomUUID(),
      scopes: ["contacts:read", "messages:write"],
      ...overrides,
    });

  it("reads IntrospectApiKey as one key of one workspace with its cache ttl", () => {
    const principal = apiKeyPrincipal();
    const res = create(IntrospectApiKeyResponseSchema, { principal, cacheTtl: durationFromMs(5000) });
    assert.deepEqual(introspectionFrom(res), {
      principal: {
        kind: "api_key",
        apiKeyId: principal.apiKeyId,
        tenantId: principal.tenantId,
        workspaceId: principal.workspaceIds[0],
        scopes: ["contacts:read", "messages:write"],
      },
      cacheTtlMs: 5000,
    });
    assert.equal(introspectionFrom(create(IntrospectApiKeyResponseSchema, { principal })).cacheTtlMs, 0);
  });

  it("refuses an answer that is not exactly an API key principal", () => {
    for (const principal of [
      apiKeyPrincipal({ kind: PrincipalKind.USER }),
      apiKeyPrincipal({ workspaceIds: [] }),
      apiKeyPrincipal({ workspaceIds: [randomUUID(), randomUUID()] }),
      apiKeyPrincipal({ tenantId: "" }),
      apiKeyPrincipal({ apiKeyId: "" }),
    ]) {
      assert.throws(
        () => introspectionFrom(create(IntrospectApiKeyResponseSchema, { principal })),
        /not one API key/,
      );
    }
    assert.throws(() => introspectionFrom(create(IntrospectApiKeyResponseSchema, {})), /not one API key/);
  });

  it("reads IssueServiceToken's token and expiry", () => {
    const expiresAt = new Date(Date.now() + 900_000);
    const res = create(IssueServiceTokenResponseSchema, {
      serviceToken: "header.payload.signature",
      expiresAt: timestampFromDate(expiresAt),
    });
    assert.deepEqual(issuedTokenFrom(res), { token: "header.payload.signature", expiresAt });
    assert.throws(
      () => issuedTokenFrom(create(IssueServiceTokenResponseSchema, { serviceToken: "x" })),
      /no expiry/,
    );
  });
});
