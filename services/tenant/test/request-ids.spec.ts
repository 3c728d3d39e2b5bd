import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ErrorReason } from "@atendo/proto/common/v1";
import {
  CreateApiKeyResponseSchema,
  CreateChannelResponseSchema,
  CreateTenantResponseSchema,
  CreateWorkspaceResponseSchema,
  InviteMemberResponseSchema,
  MemberRole,
  Plan,
  RotateSigningKeyResponseSchema,
} from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, type Owner, type TenantClients, uniqueEmail, uniqueSlug } from "@atendo/testing";
import { type DescMessage, equals, type MessageShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

// AIP-155: a Create or an action retried with its request_id answers the first result and does
// nothing more; the same id with another request is refused.

const count = async (sql: string, params: unknown[]): Promise<number> =>
  Number((await adminQuery<{ n: string }>(sql, params))[0]?.n);

/** The answer kept for a request id, as stored. */
async function storedAnswer(tenantId: string, requestId: string): Promise<Buffer> {
  const [row] = await adminQuery<{ response: Buffer }>(
    "select response from tenant.request_ids where tenant_id = $1 and request_id = $2",
    [tenantId, requestId],
  );
  assert.ok(row?.response.length, "no answer kept for the request id");
  return row.response;
}

async function assertReused(call: Promise<unknown>, what: string): Promise<void> {
  const err = await rejection(call);
  assert.equal(err.code, Code.InvalidArgument, what);
  assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.REQUEST_ID_REUSED], what);
}

function assertSameAnswer<S extends DescMessage>(schema: S, a: MessageShape<S>, b: MessageShape<S>) {
  assert.ok(equals(schema, a, b), `the retry answered another ${schema.typeName}`);
}

describe("retried creates and actions (request_id, AIP-155)", () => {
  let h: TenantHarness;
  let owner: Owner<TenantClients>;

  before(async () => {
    h = await startTenantForTest();
    owner = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
  });
  after(async () => {
    await h?.stop();
  });

  it("CreateTenant: one tenant for a request and its retries, however they overlap", async () => {
    const requestId = randomUUID();
    const request = { name: "Retried", slug: uniqueSlug("rt"), plan: Plan.PRO, requestId };
    const [first, concurrent] = await Promise.all([
      h.tenants.createTenant(request),
      h.tenants.createTenant(request),
    ]);
    const retry = await h.tenants.createTenant(request);
    assertSameAnswer(CreateTenantResponseSchema, first, concurrent);
    assertSameAnswer(CreateTenantResponseSchema, first, retry);
    assert.equal(await count("select count(*) as n from tenant.tenants where slug = $1", [request.slug]), 1);
    await assertReused(h.tenants.createTenant({ ...request, name: "Another name" }), "CreateTenant");
    // Without a request id, a second call is a second request: its slug is taken.
    const again = await rejection(h.tenants.createTenant({ ...request, requestId: "" }));
    assert.equal(again.code, Code.AlreadyExists);
  });

  it("CreateWorkspace: the retry answers the first workspace", async () => {
    const requestId = randomUUID();
    const request = { tenantId: owner.tenantId, name: `Retried ${randomUUID()}`, requestId };
    const first = await owner.clients.tenants.createWorkspace(request);
    const retry = await owner.clients.tenants.createWorkspace(request);
    assertSameAnswer(CreateWorkspaceResponseSchema, first, retry);
    assert.equal(
      await count("select count(*) as n from tenant.workspaces where tenant_id = $1 and name = $2", [
        owner.tenantId,
        request.name,
      ]),
      1,
    );
    await assertReused(
      owner.clients.tenants.createWorkspace({ ...request, name: "Other" }),
      "CreateWorkspace",
    );
    // The id belongs to its method: another RPC with it is a reuse too.
    await assertReused(
      owner.clients.apiKeys.createApiKey({
        workspaceId: owner.workspaceId,
        name: "k",
        scopes: ["channels:read"],
        requestId,
      }),
      "CreateApiKey with a CreateWorkspace id",
    );
  });

  it("CreateChannel: one channel, and the identity secret again, kept sealed for the retry", async () => {
    const requestId = randomUUID();
    const request = {
      workspaceId: owner.workspaceId,
      name: `Site ${randomUUID()}`,
      config: { case: "web" as const, value: { allowedOrigins: ["https://shop.test"] } },
      requestId,
    };
    const [first, concurrent] = await Promise.all([
      owner.clients.channels.createChannel(request),
      owner.clients.channels.createChannel(request),
    ]);
    assert.notEqual(first.webIdentitySecret, "");
    assertSameAnswer(CreateChannelResponseSchema, first, concurrent);
    assertSameAnswer(CreateChannelResponseSchema, first, await owner.clients.channels.createChannel(request));
    assert.equal(
      await count("select count(*) as n from tenant.channels where workspace_id = $1 and name = $2", [
        owner.workspaceId,
        request.name,
      ]),
      1,
    );
    const stored = await storedAnswer(owner.tenantId, requestId);
    assert.ok(!stored.includes(first.webIdentitySecret), "the stored answer holds the secret in clear");
    await assertReused(owner.clients.channels.createChannel({ ...request, name: "Other" }), "CreateChannel");
  });

  it("CreateApiKey: one key, whose secret the retry gets again and the database never holds", async () => {
    const requestId = randomUUID();
    const request = {
      workspaceId: owner.workspaceId,
      name: "Retried key",
      scopes: ["channels:read"],
      requestId,
    };
    const first = await owner.clients.apiKeys.createApiKey(request);
    const retry = await owner.clients.apiKeys.createApiKey(request);
    assertSameAnswer(CreateApiKeyResponseSchema, first, retry);
    // The secret the retry answered is the key's.
    const ingress = await h.asService("ingress");
    const introspected = await ingress.tokens.introspectApiKey({ apiKey: retry.secret });
    assert.equal(introspected.principal?.apiKeyId, first.apiKey?.id);
    assert.equal(
      await count("select count(*) as n from tenant.api_keys where workspace_id = $1 and name = $2", [
        owner.workspaceId,
        request.name,
      ]),
      1,
    );
    const stored = await storedAnswer(owner.tenantId, requestId);
    assert.ok(!stored.includes(first.secret), "the key is stored in clear");
    await assertReused(owner.clients.apiKeys.createApiKey({ ...request, name: "Other" }), "CreateApiKey");
    // Without a request id, each call is its own key.
    const a = await owner.clients.apiKeys.createApiKey({ ...request, requestId: "" });
    const b = await owner.clients.apiKeys.createApiKey({ ...request, requestId: "" });
    assert.notEqual(a.apiKey?.id, b.apiKey?.id);
  });

  it("InviteMember: one invitation and one mail; the retry does not replace the link", async () => {
    const requestId = randomUUID();
    const email = uniqueEmail("retried");
    const request = { tenantId: owner.tenantId, email, role: MemberRole.AGENT, requestId };
    const first = await owner.clients.tenants.inviteMember(request);
    const retry = await owner.clients.tenants.inviteMember(request);
    assertSameAnswer(InviteMemberResponseSchema, first, retry);
    assert.equal(first.emailSent, true);
    assert.equal(h.mail.filter((m) => m.to === email).length, 1);
    const [row] = await adminQuery<{ open: boolean }>(
      "select revoked_at is null and accepted_at is null as open from tenant.invitations where id = $1",
      [first.invitation?.id],
    );
    assert.equal(row?.open, true);
    await assertReused(
      owner.clients.tenants.inviteMember({ ...request, role: MemberRole.ADMIN }),
      "InviteMember",
    );
  });

  it("ResendVerificationEmail: one mail, and the retry is not throttled", async () => {
    const unverified = await h.identity.signUpOwner({ verify: false });
    const mails = () => h.mail.filter((m) => m.to === unverified.email).length;
    const before = mails();
    const requestId = randomUUID();
    const first = await unverified.clients.auth.resendVerificationEmail({ requestId });
    const retry = await unverified.clients.auth.resendVerificationEmail({ requestId });
    assert.deepEqual([first.emailSent, retry.emailSent], [true, true]);
    assert.equal(mails(), before + 1);
    // A new request within the minute is a new mail, and throttled.
    const another = await rejection(
      unverified.clients.auth.resendVerificationEmail({ requestId: randomUUID() }),
    );
    assert.equal(errorInfoOf(another)?.reason, ErrorReason[ErrorReason.RATE_LIMITED]);
  });

  it("RotateSigningKey: one rotation for a request and its retry", async () => {
    const keys = () =>
      count("select count(*) as n from tenant.signing_keys where issuer = $1", [
        `atendo-test-${h.namespace}`,
      ]);
    const before = await keys();
    const requestId = randomUUID();
    const first = await h.auth.rotateSigningKey({ requestId });
    const retry = await h.auth.rotateSigningKey({ requestId });
    assertSameAnswer(RotateSigningKeyResponseSchema, first, retry);
    assert.equal(await keys(), before + 1);
    await assertReused(h.auth.rotateSigningKey({ requestId, compromised: true }), "RotateSigningKey");
  });
});
