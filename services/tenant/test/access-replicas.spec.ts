import assert from "node:assert/strict";
import { codeOf, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { startTenantForTest, type TenantHarness, type TenantReplica } from "./support/start-tenant.js";

// The API-key cache of a replica keeps an introspected key up to 5 s; an access change must reach
// every replica well before that.
const WITHIN_MS = 1_000;

/**
 * Two replicas of the tenant service in this process (same database, Redis and bus, their own
 * caches): an access change made through one is enforced by the other within a second.
 */
describe("access changes on every replica of the tenant service", () => {
  let h: TenantHarness;
  let b: TenantReplica;

  before(async () => {
    h = await startTenantForTest();
    b = await h.replica();
  });
  after(async () => {
    await h?.stop();
  });

  it("refuses on replica B, within a second, an API key revoked through replica A", async () => {
    const owner = await h.identity.signUpOwner();
    const key = await h.identity.createApiKey(owner, owner.workspaceId, ["channels:read"]);
    const listOnB = () => b.as(key.secret).channels.listChannels({ workspaceId: owner.workspaceId });
    // B has checked the key and keeps it in its cache.
    assert.equal(await codeOf(listOnB()), "ok");

    await owner.clients.apiKeys.revokeApiKey({ workspaceId: owner.workspaceId, apiKeyId: key.id });
    const revokedAt = Date.now();
    // A, which revoked it, refuses it at once.
    assert.equal(
      await codeOf(key.clients.channels.listChannels({ workspaceId: owner.workspaceId })),
      Code.Unauthenticated,
    );
    await waitFor(async () => (await codeOf(listOnB())) === Code.Unauthenticated, {
      timeoutMs: WITHIN_MS,
      message: () => `replica B still accepts the key ${Date.now() - revokedAt} ms after its revocation`,
    });
  });

  it("refuses a suspended tenant's user tokens on both replicas at once, and accepts them again after reactivation", async () => {
    const owner = await h.identity.signUpOwner();
    const getTenant = (clients: { tenants: TenantHarness["tenants"] }) =>
      codeOf(clients.tenants.getTenant({ tenantId: owner.tenantId }));
    const adminOnB = b.as(h.admin.accessToken);
    assert.deepEqual(
      [await getTenant(owner.clients), await getTenant(b.as(owner.accessToken))],
      ["ok", "ok"],
    );

    await h.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "unpaid invoices" });
    // A committed the suspension: it refuses at once; B on the event.
    assert.equal(await getTenant(owner.clients), Code.Unauthenticated);
    await waitFor(async () => (await getTenant(b.as(owner.accessToken))) === Code.Unauthenticated, {
      timeoutMs: WITHIN_MS,
      message: "replica B to refuse the suspended tenant's owner",
    });
    // Platform admins still act on the suspended tenant, through either replica.
    assert.deepEqual([await getTenant(h), await getTenant(adminOnB)], ["ok", "ok"]);

    // Reactivated through B this time: B accepts the owner at once, A on the event.
    await adminOnB.tenants.reactivateTenant({ tenantId: owner.tenantId });
    assert.equal(await getTenant(b.as(owner.accessToken)), "ok");
    await waitFor(async () => (await getTenant(owner.clients)) === "ok", {
      timeoutMs: WITHIN_MS,
      message: "replica A to accept the reactivated tenant's owner",
    });
  });

  it("refuses, from its first answer, a tenant suspended before the replica started", async () => {
    const owner = await h.identity.signUpOwner();
    await h.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "fraud check" });
    const c = await h.replica();
    assert.equal(
      await codeOf(c.as(owner.accessToken).tenants.getTenant({ tenantId: owner.tenantId })),
      Code.Unauthenticated,
    );
    assert.equal(
      await codeOf(c.as(h.admin.accessToken).tenants.getTenant({ tenantId: owner.tenantId })),
      "ok",
    );
  });
});
