import assert from "node:assert/strict";
import {
  ApiKeyService,
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  MemberRole,
  TenantService,
  TokenService,
} from "@atendo/proto/tenant/v1";
import { createServiceClient, methodsWithoutRule, ruleOf } from "@atendo/service-kit";
import { type Owner, type Person, type TenantClients, uniqueEmail } from "@atendo/testing";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { POLICIES } from "../src/policies.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { signWithServiceKey } from "./support/tokens.js";

const SERVICES: readonly DescService[] = [
  TenantService,
  AuthService,
  ChannelService,
  ApiKeyService,
  TokenService,
  ChannelDirectoryService,
];
const UUID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
// The only answers of the auth path: none names anything the caller did not send.
const AUTH_MESSAGES = new Set([
  "missing or invalid credentials",
  "not allowed",
  "tenant not found",
  "workspace not found",
]);

/** A valid request for each RPC whose rule names a target (validation runs before the target check). */
function sampleRequest(method: DescMethod, target: { tenantId: string; workspaceId: string }): object {
  const { tenantId, workspaceId } = target;
  const samples: Record<string, object> = {
    getTenant: { tenantId },
    updateTenant: { tenantId, updateMask: { paths: ["name"] }, name: "X" },
    createWorkspace: { tenantId, name: "X" },
    listWorkspaces: { tenantId },
    listMembers: { tenantId },
    inviteMember: { tenantId, email: uniqueEmail(), role: MemberRole.AGENT },
    updateMemberRole: { tenantId, userId: UUID, role: MemberRole.AGENT },
    removeMember: { tenantId, userId: UUID },
    listAuditLog: { tenantId },
    getWorkspace: { workspaceId },
    updateWorkspace: { workspaceId, updateMask: { paths: ["name"] }, name: "X" },
    createChannel: { workspaceId, name: "X", config: { case: "web", value: {} } },
    getChannel: { workspaceId, channelId: UUID },
    listChannels: { workspaceId },
    updateChannel: { workspaceId, channelId: UUID, updateMask: { paths: ["name"] }, name: "X" },
    disableChannel: { workspaceId, channelId: UUID },
    enableChannel: { workspaceId, channelId: UUID },
    createApiKey: { workspaceId, name: "X", scopes: ["channels:read"] },
    listApiKeys: { workspaceId },
    revokeApiKey: { workspaceId, apiKeyId: UUID },
  };
  const sample = samples[method.localName];
  assert.ok(sample, `no sample request for ${method.parent.typeName}/${method.name}: add one`);
  return sample;
}

type Call = (req: object, options?: { headers?: Record<string, string> }) => Promise<unknown>;

describe("authorization matrix of the tenant service", () => {
  let h: TenantHarness;
  let owner: Owner<TenantClients>;
  let stranger: Owner<TenantClients>;
  let agent: Person<TenantClients>;
  let secondWorkspace: string;
  let readKey: string;

  before(async () => {
    h = await startTenantForTest();
    owner = await h.identity.signUpOwner();
    stranger = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
    agent = await h.identity.addMember(owner, MemberRole.AGENT);
    secondWorkspace =
      (await owner.clients.tenants.createWorkspace({ tenantId: owner.tenantId, name: "Second" })).workspace
        ?.id ?? "";
    readKey = (
      await owner.clients.apiKeys.createApiKey({
        workspaceId: secondWorkspace,
        name: "reader",
        scopes: ["channels:read"],
      })
    ).secret;
  });
  after(async () => {
    await h?.stop();
  });

  const call = (method: DescMethod, credential: string | undefined, req: object): Promise<unknown> => {
    const client = createServiceClient(method.parent, h.url) as unknown as Record<string, Call>;
    const fn = client[method.localName];
    assert.ok(fn);
    return fn.call(
      client,
      req,
      credential === undefined ? {} : { headers: { authorization: `Bearer ${credential}` } },
    );
  };
  const codeOf = async (promise: Promise<unknown>): Promise<{ code: Code | "ok"; message: string }> => {
    try {
      await promise;
      return { code: "ok", message: "" };
    } catch (err) {
      const e = ConnectError.from(err);
      return { code: e.code, message: e.rawMessage };
    }
  };
  const methods = SERVICES.flatMap((s) => s.methods);
  const guarded = methods.filter((m) => ruleOf(POLICIES, m)?.public !== true);

  it("has exactly one rule for every RPC", () => {
    assert.deepEqual(methodsWithoutRule(POLICIES, SERVICES), []);
    assert.ok(guarded.length > 20);
  });

  it("answers unauthenticated, and nothing more, without valid credentials", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: owner.userId, tid: owner.tenantId, role: "owner" };
    const expired = await signWithServiceKey(h, { typ: "at+jwt" }, claims, {
      iat: now - 3600,
      exp: now - 120,
    });
    const wrongTyp = await signWithServiceKey(h, { typ: "JWT" }, claims, { iat: now, exp: now + 600 });
    const [head, payload, signature] = owner.tokens.accessToken.split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()),
        role: "owner",
        tid: stranger.tenantId,
      }),
    ).toString("base64url");
    const tampered = `${head}.${forgedPayload}.${signature}`;
    // The same claims with a valid signature work: the refusals come from expiry, typ and the signature.
    const fresh = await signWithServiceKey(h, { typ: "at+jwt" }, claims, { iat: now, exp: now + 600 });
    assert.equal((await h.as(fresh).auth.getCurrentUser({})).user?.id, owner.userId);

    for (const method of guarded) {
      for (const [label, credential] of [
        ["none", undefined],
        ["expired", expired],
        ["wrong typ", wrongTyp],
        ["tampered", tampered],
        ["unknown api key", `atd_live_AAAAAAAAAAAA_${"A".repeat(43)}`],
      ] as const) {
        const { code, message } = await codeOf(call(method, credential, {}));
        assert.equal(code, Code.Unauthenticated, `${method.name} with ${label} credentials: ${message}`);
        assert.equal(message, "missing or invalid credentials");
      }
    }
  });

  it("refuses other tenants (not_found), lesser roles, foreign keys and missing scopes (permission_denied)", async () => {
    const targeted = guarded.filter((m) => {
      const rule = ruleOf(POLICIES, m);
      return rule?.tenant !== undefined || rule?.workspace !== undefined;
    });
    assert.ok(targeted.length >= 18);
    const mine = { tenantId: owner.tenantId, workspaceId: owner.workspaceId };
    const theirs = { tenantId: stranger.tenantId, workspaceId: stranger.workspaceId };
    for (const method of targeted) {
      const rule = ruleOf(POLICIES, method);
      // Another tenant's user naming this tenant's objects: they do not exist for them.
      const other = await codeOf(call(method, stranger.tokens.accessToken, sampleRequest(method, mine)));
      assert.equal(other.code, Code.NotFound, `${method.name} by another tenant: ${other.message}`);
      assert.ok(AUTH_MESSAGES.has(other.message), other.message);
      // And the owner naming the stranger's.
      const reverse = await codeOf(call(method, owner.tokens.accessToken, sampleRequest(method, theirs)));
      assert.equal(reverse.code, Code.NotFound, `${method.name} into another tenant: ${reverse.message}`);

      if (rule?.role !== "agent") {
        const low = await codeOf(call(method, agent.tokens.accessToken, sampleRequest(method, mine)));
        assert.equal(low.code, Code.PermissionDenied, `${method.name} by an agent: ${low.message}`);
        assert.equal(low.message, "not allowed");
      }
      // A key of the second workspace: another workspace of its tenant is not its to use.
      const foreignKey = await codeOf(call(method, readKey, sampleRequest(method, mine)));
      assert.equal(foreignKey.code, Code.PermissionDenied, `${method.name} by a key of another workspace`);
      if (rule?.workspace !== undefined) {
        const own = await codeOf(
          call(method, readKey, sampleRequest(method, { ...mine, workspaceId: secondWorkspace })),
        );
        const allowed = rule.scope === "channels:read";
        assert.equal(
          own.code === Code.PermissionDenied,
          !allowed,
          `${method.name} by a channels:read key: ${own.code}`,
        );
      }
    }
  });

  it("lets public RPCs through without credentials", async () => {
    const open = methods.filter((m) => ruleOf(POLICIES, m)?.public === true).map((m) => m.name);
    assert.deepEqual(open.sort(), [
      "AcceptInvitation",
      "IssueServiceToken",
      "Login",
      "Logout",
      "RefreshToken",
      "SignUp",
      "VerifyEmail",
    ]);
    for (const method of methods.filter((m) => ruleOf(POLICIES, m)?.public === true)) {
      const { code } = await codeOf(call(method, undefined, {}));
      // An empty request is invalid: what matters is that authentication did not refuse it.
      assert.equal(code, Code.InvalidArgument, method.name);
    }
  });
});
