// Credentials issued by the tenant service, judged by the other services: a revoked API key stops
// working everywhere within seconds, and a signing-key rotation needs no restart anywhere (tokens
// of the new key verify as soon as it signs, tokens of the old key keep verifying).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { ApiKeyService, AuthService } from "@atendo/proto/tenant/v1";
import { waitFor } from "@atendo/testing";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ServiceName } from "../scripts/lib/stack.js";
import { type InProcessProduct, startInProcess } from "./support/in-process.js";

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

const kidOf = (jwt: string): string =>
  (JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as { kid: string }).kid;

describe("credentials across services", function () {
  this.timeout(120_000);
  const adminEmail = `ops-${randomUUID()}@example.com`;
  let product: InProcessProduct;
  let owner = "";
  let workspaceId = "";
  let admin = "";
  const client = <S extends DescService>(name: ServiceName, service: S) =>
    createClient(service, createGrpcTransport({ baseUrl: product.url(name) }));

  before(async () => {
    // A one-second grace so the rotation test does not wait a minute for the new key to sign.
    product = await startInProcess({
      platformAdminEmail: adminEmail,
      tenant: { SIGNING_KEY_PUBLISH_GRACE_S: "1" },
    });
    const auth = client("tenant", AuthService);
    admin =
      (
        await auth.signUp({
          email: adminEmail,
          password: "correct horse battery",
          name: "Ops",
          tenantName: "Ops",
        })
      ).tokens?.accessToken ?? "";
    const up = await auth.signUp({
      email: `owner-${randomUUID()}@example.com`,
      password: "correct horse battery",
      name: "Owner",
      tenantName: "Across",
    });
    owner = up.tokens?.accessToken ?? "";
    workspaceId = up.workspace?.id ?? "";
  });

  after(async () => {
    await product?.stop();
  });

  it("stops a revoked API key at every service within seconds", async () => {
    const keys = client("tenant", ApiKeyService);
    const created = await keys.createApiKey(
      { workspaceId, name: "integration", scopes: ["conversations:read", "assistants:read"] },
      bearer(owner),
    );
    const conversations = client("conversation", ConversationService);
    const assistants = client("assistant", AssistantService);
    // Used (and so cached) at two services before the revocation.
    assert.equal(
      await codeOf(conversations.listConversations({ workspaceId }, bearer(created.secret))),
      "ok",
    );
    assert.equal(await codeOf(assistants.listAssistants({ workspaceId }, bearer(created.secret))), "ok");

    await keys.revokeApiKey({ workspaceId, apiKeyId: created.apiKey?.id ?? "" }, bearer(owner));
    await waitFor(
      async () =>
        (await codeOf(conversations.listConversations({ workspaceId }, bearer(created.secret)))) ===
          Code.Unauthenticated &&
        (await codeOf(assistants.listAssistants({ workspaceId }, bearer(created.secret)))) ===
          Code.Unauthenticated,
      {
        timeoutMs: 8_000,
        intervalMs: 100,
        message: "the revoked key to be refused by conversation and assistant",
      },
    );
  });

  it("accepts tokens of a rotated signing key at every service without a restart", async () => {
    const auth = client("tenant", AuthService);
    const conversations = client("conversation", ConversationService);
    const before = owner;
    // Verified (and the key set cached) by the conversation service before the rotation.
    assert.equal(await codeOf(conversations.listConversations({ workspaceId }, bearer(before))), "ok");

    const rotated = await auth.rotateSigningKey({}, bearer(admin));
    assert.notEqual(rotated.newKeyId, kidOf(before));
    const email = `member-${randomUUID()}@example.com`;
    await auth.signUp({ email, password: "correct horse battery", name: "Later", tenantName: "Later" });
    // Once the grace has passed, new tokens carry the new key id...
    const fresh = await waitFor(
      async () => {
        const res = await auth.login({ email, password: "correct horse battery" });
        const token = res.tokens?.accessToken ?? "";
        return kidOf(token) === rotated.newKeyId ? { token, workspace: res.tenantId } : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, message: "a token signed with the new key" },
    );
    // ...and another service verifies them within seconds: it refetches the JWKS on the unknown kid
    // (at most once per cooldown, 5 s).
    const me = await auth.getCurrentUser({}, bearer(fresh.token));
    const theirWorkspace = me.workspaces[0]?.id ?? "";
    await waitFor(
      async () =>
        (await codeOf(
          conversations.listConversations({ workspaceId: theirWorkspace }, bearer(fresh.token)),
        )) === "ok",
      { timeoutMs: 10_000, intervalMs: 250, message: "the conversation service to accept the new key" },
    );
    // The old key's token keeps working until it expires.
    assert.equal(await codeOf(conversations.listConversations({ workspaceId }, bearer(before))), "ok");
  });
});
