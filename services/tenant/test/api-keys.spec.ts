import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Consumer } from "@atendo/bus";
import { ApiKeyRevokedSchema, MemberRole, PrincipalKind } from "@atendo/proto/tenant/v1";
import { adminQuery, type TenantClients, waitFor } from "@atendo/testing";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("ApiKeyService and API key introspection", () => {
  let h: TenantHarness;
  let ingress: TenantClients;
  let consumer: Consumer;
  const revoked: Array<{ apiKeyId: string; prefix: string; tenantId: string }> = [];

  before(async () => {
    h = await startTenantForTest();
    ingress = await h.asService("ingress");
    consumer = await h.bus.consume({
      durable: "api-keys-spec",
      schema: ApiKeyRevokedSchema,
      handler: (e) =>
        void revoked.push({ apiKeyId: e.apiKeyId, prefix: e.prefix, tenantId: e.meta?.tenantId ?? "" }),
    });
  });
  after(async () => {
    await consumer?.stop();
    await h?.stop();
  });

  it("shows the key once, stores only its SHA-256, and finds it by prefix", async () => {
    const owner = await h.identity.signUpOwner();
    const res = await owner.clients.apiKeys.createApiKey({
      workspaceId: owner.workspaceId,
      name: "CRM sync",
      scopes: ["channels:read", "conversations:read"],
    });
    const key = res.secret;
    const apiKey = res.apiKey;
    assert.ok(apiKey);
    assert.match(key, new RegExp(`^atd_live_${apiKey.prefix}_[A-Za-z0-9]{43}$`));
    assert.deepEqual(
      [apiKey.name, apiKey.workspaceId, apiKey.tenantId, apiKey.scopes, apiKey.createdByUserId],
      ["CRM sync", owner.workspaceId, owner.tenantId, ["channels:read", "conversations:read"], owner.userId],
    );
    const [row] = await adminQuery<{ key_hash: Buffer; prefix: string }>(
      "select key_hash, prefix from tenant.api_keys where id = $1",
      [apiKey.id],
    );
    assert.deepEqual(row?.key_hash, createHash("sha256").update(key).digest());
    const dump = JSON.stringify(await adminQuery("select * from tenant.api_keys where id = $1", [apiKey.id]));
    assert.ok(!dump.includes(key.slice(-43)), "the secret is stored");
    assert.ok(!h.logs.some((l) => l.includes(key.slice(-43))), "the secret is logged");

    const listed = await owner.clients.apiKeys.listApiKeys({ workspaceId: owner.workspaceId });
    assert.deepEqual(
      listed.apiKeys.map((k) => k.id),
      [apiKey.id],
    );
    assert.ok(
      !JSON.stringify(listed.apiKeys, (_, v) => (typeof v === "bigint" ? String(v) : v)).includes(
        key.slice(-43),
      ),
    );

    const introspected = await ingress.tokens.introspectApiKey({ apiKey: key });
    assert.deepEqual(
      {
        kind: introspected.principal?.kind,
        tenant: introspected.principal?.tenantId,
        ws: introspected.principal?.workspaceIds,
        id: introspected.principal?.apiKeyId,
        scopes: introspected.principal?.scopes,
        ttl: introspected.cacheTtl?.seconds,
      },
      {
        kind: PrincipalKind.API_KEY,
        tenant: owner.tenantId,
        ws: [owner.workspaceId],
        id: apiKey.id,
        scopes: ["channels:read", "conversations:read"],
        ttl: 5n,
      },
    );
    // A key with the right prefix and a wrong secret is no key.
    const forged = `${key.slice(0, -5)}AAAAA`;
    assert.equal(
      (await rejection(ingress.tokens.introspectApiKey({ apiKey: forged }))).code,
      Code.Unauthenticated,
    );
    // Introspection is for services.
    assert.equal(
      (await rejection(owner.clients.tokens.introspectApiKey({ apiKey: key }))).code,
      Code.PermissionDenied,
    );
  });

  it("authenticates calls by its scopes and workspace", async () => {
    const owner = await h.identity.signUpOwner();
    const other = await h.identity.signUpOwner();
    const { secret } = await owner.clients.apiKeys.createApiKey({
      workspaceId: owner.workspaceId,
      name: "Reader",
      scopes: ["channels:read"],
    });
    const withKey = h.as(secret);
    await owner.clients.channels.createChannel({
      workspaceId: owner.workspaceId,
      name: "Site",
      config: { case: "web", value: {} },
    });
    const listed = await withKey.channels.listChannels({ workspaceId: owner.workspaceId });
    assert.equal(listed.channels.length, 1);
    // The x-api-key header works too.
    const viaHeader = await h.anonymous.channels.listChannels(
      { workspaceId: owner.workspaceId },
      { headers: { "x-api-key": secret } },
    );
    assert.equal(viaHeader.channels.length, 1);
    const write = await rejection(
      withKey.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "X",
        config: { case: "web", value: {} },
      }),
    );
    assert.equal(write.code, Code.PermissionDenied);
    const foreign = await rejection(withKey.channels.listChannels({ workspaceId: other.workspaceId }));
    assert.equal(foreign.code, Code.NotFound);
    // Keys cannot manage keys or members.
    assert.equal(
      (await rejection(withKey.apiKeys.listApiKeys({ workspaceId: owner.workspaceId }))).code,
      Code.PermissionDenied,
    );
  });

  it("stops working at once when revoked, and tells the other services", async () => {
    const owner = await h.identity.signUpOwner();
    const { secret, apiKey } = await owner.clients.apiKeys.createApiKey({
      workspaceId: owner.workspaceId,
      name: "Doomed",
      scopes: ["channels:read"],
    });
    const id = apiKey?.id ?? "";
    const withKey = h.as(secret);
    await withKey.channels.listChannels({ workspaceId: owner.workspaceId }); // cached by this process now
    const res = await owner.clients.apiKeys.revokeApiKey({ workspaceId: owner.workspaceId, apiKeyId: id });
    assert.ok(res.apiKey?.revokedAt);
    assert.equal(
      (await rejection(ingress.tokens.introspectApiKey({ apiKey: secret }))).code,
      Code.Unauthenticated,
    );
    const refused = await rejection(withKey.channels.listChannels({ workspaceId: owner.workspaceId }));
    assert.equal(refused.code, Code.Unauthenticated);
    const event = await waitFor(() => revoked.find((e) => e.apiKeyId === id), { message: "ApiKeyRevoked" });
    assert.deepEqual(event, { apiKeyId: id, prefix: apiKey?.prefix, tenantId: owner.tenantId });
    // Revoking again returns the key unchanged, without a second event.
    const again = await owner.clients.apiKeys.revokeApiKey({ workspaceId: owner.workspaceId, apiKeyId: id });
    assert.deepEqual(again.apiKey?.revokedAt, res.apiKey?.revokedAt);
    // Revoked keys leave the default list.
    const listed = await owner.clients.apiKeys.listApiKeys({ workspaceId: owner.workspaceId });
    assert.ok(!listed.apiKeys.some((k) => k.id === id));
    const all = await owner.clients.apiKeys.listApiKeys({
      workspaceId: owner.workspaceId,
      includeRevoked: true,
    });
    assert.ok(all.apiKeys.some((k) => k.id === id));
    assert.equal(revoked.filter((e) => e.apiKeyId === id).length, 1);
  });

  it("refuses an expired key and records use at most once a minute", async () => {
    const owner = await h.identity.signUpOwner();
    const { secret, apiKey } = await owner.clients.apiKeys.createApiKey({
      workspaceId: owner.workspaceId,
      name: "Short-lived",
      scopes: ["channels:read"],
      expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)),
    });
    const id = apiKey?.id ?? "";
    await ingress.tokens.introspectApiKey({ apiKey: secret });
    const [first] = await adminQuery<{ used: Date }>(
      "select last_used_at as used from tenant.api_keys where id = $1",
      [id],
    );
    assert.ok(first?.used);
    await ingress.tokens.introspectApiKey({ apiKey: secret });
    const [second] = await adminQuery<{ used: Date }>(
      "select last_used_at as used from tenant.api_keys where id = $1",
      [id],
    );
    assert.equal(second?.used.getTime(), first.used.getTime());
    await adminQuery("update tenant.api_keys set last_used_at = now() - interval '2 minutes' where id = $1", [
      id,
    ]);
    await ingress.tokens.introspectApiKey({ apiKey: secret });
    const [third] = await adminQuery<{ fresh: boolean }>(
      "select last_used_at > now() - interval '1 minute' as fresh from tenant.api_keys where id = $1",
      [id],
    );
    assert.equal(third?.fresh, true);

    await adminQuery("update tenant.api_keys set expires_at = now() - interval '1 second' where id = $1", [
      id,
    ]);
    assert.equal(
      (await rejection(ingress.tokens.introspectApiKey({ apiKey: secret }))).code,
      Code.Unauthenticated,
    );
  });

  it("is for admins: agents cannot create keys, and bad input names the field", async () => {
    const owner = await h.identity.signUpOwner();
    const agent = await h.identity.addMember(owner, MemberRole.AGENT);
    const denied = await rejection(
      agent.clients.apiKeys.createApiKey({
        workspaceId: owner.workspaceId,
        name: "X",
        scopes: ["channels:read"],
      }),
    );
    assert.equal(denied.code, Code.PermissionDenied);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: "   ", scopes: ["channels:read"] }, /^name: must not be blank/],
      [{ name: "x".repeat(101), scopes: ["channels:read"] }, /^name/],
      [{ name: "X", scopes: [] }, /^scopes/],
      [{ name: "X", scopes: ["everything"] }, /^scopes/],
      [
        { name: "X", scopes: ["channels:read"], expiresAt: timestampFromDate(new Date(Date.now() - 1000)) },
        /^expires_at/,
      ],
    ];
    for (const [input, field] of cases) {
      const err = await rejection(
        owner.clients.apiKeys.createApiKey({ workspaceId: owner.workspaceId, ...input }),
      );
      assert.equal(err.code, Code.InvalidArgument, String(field));
      assert.match(err.rawMessage, field);
    }
    const count = await adminQuery("select 1 from tenant.api_keys where tenant_id = $1", [owner.tenantId]);
    assert.equal(count.length, 0);
  });
});
