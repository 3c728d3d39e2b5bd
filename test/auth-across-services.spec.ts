// Credentials issued by the tenant service, judged by the other services: a revoked API key stops
// working everywhere within seconds, and a signing-key rotation needs no restart anywhere (tokens
// of the new key verify as soon as it signs, tokens of the old key keep verifying).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { AuthService } from "@atendo/proto/tenant/v1";
import {
  clientsFor,
  codeOf,
  createIdentityKit,
  type IdentityKit,
  type Owner,
  type Person,
  type TenantClients,
  waitFor,
} from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { type InProcessProduct, startInProcess } from "./support/in-process.js";

const kidOf = (jwt: string): string =>
  (JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as { kid: string }).kid;

describe("credentials across services", function () {
  this.timeout(120_000);
  const adminEmail = `ops-${randomUUID()}@example.com`;
  let product: InProcessProduct;
  let identity: IdentityKit<TenantClients>;
  let admin: Person<TenantClients>;
  let owner: Owner<TenantClients>;
  /** Clients of two services other than the tenant service, sending `credential`. */
  const elsewhere = (credential: string) => ({
    ...clientsFor(product.url("conversation"), credential, { conversations: ConversationService }),
    ...clientsFor(product.url("assistant"), credential, { assistants: AssistantService }),
  });

  before(async () => {
    // A one-second grace so the rotation test does not wait a minute for the new key to sign.
    product = await startInProcess({
      platformAdminEmail: adminEmail,
      tenant: { SIGNING_KEY_PUBLISH_GRACE_S: "1" },
    });
    identity = createIdentityKit({ tenantUrl: product.url("tenant"), platformAdmin: { email: adminEmail } });
    admin = await identity.platformAdmin();
    owner = await identity.signUpOwner({ tenantName: "Across" });
  });

  after(async () => {
    await product?.stop();
  });

  it("stops a revoked API key at every service within seconds", async () => {
    const { workspaceId } = owner;
    const key = await identity.createApiKey(owner, workspaceId, ["conversations:read", "assistants:read"]);
    const asKey = elsewhere(key.secret);
    // Used (and so cached) at two services before the revocation.
    assert.equal(await codeOf(asKey.conversations.listConversations({ workspaceId })), "ok");
    assert.equal(await codeOf(asKey.assistants.listAssistants({ workspaceId })), "ok");

    await owner.clients.apiKeys.revokeApiKey({ workspaceId, apiKeyId: key.id });
    await waitFor(
      async () =>
        (await codeOf(asKey.conversations.listConversations({ workspaceId }))) === Code.Unauthenticated &&
        (await codeOf(asKey.assistants.listAssistants({ workspaceId }))) === Code.Unauthenticated,
      {
        timeoutMs: 8_000,
        intervalMs: 100,
        message: "the revoked key to be refused by conversation and assistant",
      },
    );
  });

  it("accepts tokens of a rotated signing key at every service without a restart", async () => {
    const { auth } = clientsFor(product.url("tenant"), undefined, { auth: AuthService });
    const before = owner.accessToken;
    // Verified (and the key set cached) by the conversation service before the rotation.
    const asBefore = elsewhere(before);
    assert.equal(
      await codeOf(asBefore.conversations.listConversations({ workspaceId: owner.workspaceId })),
      "ok",
    );

    const rotated = await admin.clients.auth.rotateSigningKey({});
    assert.notEqual(rotated.newKeyId, kidOf(before));
    const later = await identity.signUpOwner({ tenantName: "Later" });
    // Once the grace has passed, new tokens carry the new key id...
    const fresh = await waitFor(
      async () => {
        const res = await auth.login({ email: later.email, password: later.password });
        const token = res.tokens?.accessToken ?? "";
        return kidOf(token) === rotated.newKeyId ? token : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, message: "a token signed with the new key" },
    );
    // ...and another service verifies them within seconds: it refetches the JWKS on the unknown kid
    // (at most once per cooldown, 5 s).
    const asFresh = elsewhere(fresh);
    await waitFor(
      async () =>
        (await codeOf(asFresh.conversations.listConversations({ workspaceId: later.workspaceId }))) === "ok",
      { timeoutMs: 10_000, intervalMs: 250, message: "the conversation service to accept the new key" },
    );
    // The old key's token keeps working until it expires.
    assert.equal(
      await codeOf(asBefore.conversations.listConversations({ workspaceId: owner.workspaceId })),
      "ok",
    );
  });
});
