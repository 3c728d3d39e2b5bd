// The authorization matrix (issue 3): every RPC of every service, walked from the contracts'
// service descriptors, called by each kind of caller that must be refused — no credentials, an
// expired or tampered token, another tenant's owner, an API key of another workspace, a key without
// the scope, an agent where an admin is needed, a user on an internal RPC, the wrong service — and
// each refusal has the right code and names nothing the caller did not send. An RPC added later
// without an authorization rule fails the first test.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { registry } from "@atendo/proto/registry";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { methodsWithoutRule, type Policy, type Rule, ruleOf } from "@atendo/service-kit";
import { adminQuery, createIdentityKit } from "@atendo/testing";
import type { DescMethod, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ServiceName } from "../scripts/lib/stack.js";
import { SERVICES } from "../scripts/lib/stack.js";
import { POLICIES as aiPolicies } from "../services/ai/src/policies.js";
import { POLICIES as assistantPolicies } from "../services/assistant/src/policies.js";
import { POLICIES as conversationPolicies } from "../services/conversation/src/policies.js";
import { POLICIES as deliveryPolicies } from "../services/delivery/src/policies.js";
import { POLICIES as ingressPolicies } from "../services/ingress/src/policies.js";
import { POLICIES as tenantPolicies } from "../services/tenant/src/policies.js";
import { type InProcessProduct, startInProcess } from "./support/in-process.js";
import { signExpired } from "./support/tokens.js";

const POLICIES: readonly Policy[] = [
  ...tenantPolicies,
  ...ingressPolicies,
  ...conversationPolicies,
  ...assistantPolicies,
  ...aiPolicies,
  ...deliveryPolicies,
];

/** Every RPC service of the contracts, by the service that serves it (its package's domain). */
const SERVED: ReadonlyArray<{ service: DescService; owner: ServiceName }> = [...registry]
  .filter((t): t is DescService => t.kind === "service" && t.typeName.startsWith("atendo."))
  .map((service) => {
    const domain = service.typeName.split(".")[1] as ServiceName;
    assert.ok(SERVICES.includes(domain), `${service.typeName} belongs to no service`);
    return { service, owner: domain };
  });
const METHODS = SERVED.flatMap(({ service, owner }) => service.methods.map((method) => ({ method, owner })));

// The only answers the auth path gives: none names anything the caller did not send.
const GENERIC = new Set([
  "missing or invalid credentials",
  "not allowed",
  "tenant not found",
  "workspace not found",
]);

interface Target {
  tenantId: string;
  workspaceId: string;
}

/**
 * A request that names `target` in its tenant and workspace fields (the first message, for a
 * client stream) and nothing else: authorization is decided before the rest is validated.
 */
function targetRequest(method: DescMethod, target: Target): MessageInitShape<DescMethod["input"]> {
  const input = method.input;
  const init: Record<string, unknown> = {};
  for (const field of input.fields) {
    if (field.name === "workspace_id") init[field.localName] = target.workspaceId;
    if (field.name === "tenant_id") init[field.localName] = target.tenantId;
  }
  if (!input.fields.some((f) => f.name === "workspace_id" || f.name === "tenant_id")) {
    // A client stream's first message: the oneof member that carries the workspace.
    for (const oneof of input.oneofs) {
      const member = oneof.fields.find((f) => f.message?.fields.some((g) => g.name === "workspace_id"));
      if (member?.message) {
        init[oneof.localName] = {
          case: member.localName,
          value: create(member.message, { workspaceId: target.workspaceId } as MessageInitShape<
            typeof member.message
          >),
        };
      }
    }
  }
  return init;
}

interface Outcome {
  code: Code | "ok";
  message: string;
}

type AnyCall = (req: unknown, options: { headers: Record<string, string> }) => unknown;

async function callAs(
  product: InProcessProduct,
  owner: ServiceName,
  method: DescMethod,
  credential: string | undefined,
  target: Target,
): Promise<Outcome> {
  const client = createClient(
    method.parent,
    createGrpcTransport({ baseUrl: product.url(owner) }),
  ) as unknown as Record<string, AnyCall>;
  const fn = client[method.localName];
  assert.ok(fn, `${method.parent.typeName}/${method.name} has no client method`);
  const req = create(method.input, targetRequest(method, target));
  const options = { headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` } };
  try {
    switch (method.methodKind) {
      case "unary":
        await fn.call(client, req, options);
        break;
      case "server_streaming": {
        const stream = fn.call(client, req, options) as AsyncIterable<unknown>;
        for await (const _ of stream) break;
        break;
      }
      case "client_streaming":
        await fn.call(
          client,
          (async function* () {
            yield req;
          })(),
          options,
        );
        break;
      case "bidi_streaming": {
        const stream = fn.call(
          client,
          (async function* () {
            yield req;
          })(),
          options,
        ) as AsyncIterable<unknown>;
        for await (const _ of stream) break;
        break;
      }
    }
    return { code: "ok", message: "" };
  } catch (err) {
    const e = ConnectError.from(err);
    return { code: e.code, message: e.rawMessage };
  }
}

const REFUSED = new Set<Code | "ok">([Code.Unauthenticated, Code.PermissionDenied]);
const label = (m: DescMethod) => `${m.parent.typeName}/${m.name}`;

describe("authorization matrix: every RPC of every service", function () {
  this.timeout(180_000);
  let product: InProcessProduct;
  const adminEmail = `ops-${randomUUID()}@example.com`;
  // Tenant A: owner, an agent limited to workspace A1, keys; tenant B: its owner.
  const a = { tenantId: "", ws1: "", ws2: "", owner: "", agent: "", name: "", slug: "", email: "" };
  let ownerB = "";
  // Platform-admin RPCs (suspend, reactivate...) really act: they target this tenant, not A.
  const spare: Target = { tenantId: "", workspaceId: "" };
  let platformAdmin = "";
  let keyOtherWorkspace = "";
  const keysWithOneScope = new Map<string, string>();
  let expired = "";
  let tampered = "";
  let visitor = "";
  const serviceTokens = new Map<string, string>();

  before(async () => {
    product = await startInProcess({ platformAdminEmail: adminEmail });
    const identity = createIdentityKit({
      tenantUrl: product.url("tenant"),
      platformAdmin: { email: adminEmail },
    });
    platformAdmin = (await identity.platformAdmin()).accessToken;
    a.name = `Matrix Tenant ${randomBytes(4).toString("hex")}`;
    const ownerA = await identity.signUpOwner({ tenantName: a.name });
    [a.tenantId, a.slug, a.email] = [ownerA.tenantId, ownerA.tenantSlug, ownerA.email];
    [a.ws1, a.owner] = [ownerA.workspaceId, ownerA.accessToken];
    ownerB = (await identity.signUpOwner({ tenantName: "Matrix Other" })).accessToken;
    const upSpare = await identity.signUpOwner({ tenantName: "Matrix Spare" });
    spare.tenantId = upSpare.tenantId;
    spare.workspaceId = upSpare.workspaceId;

    // Room for a second workspace and members (FREE allows one workspace).
    await identity.raiseLimits(a.tenantId);
    a.ws2 = (await identity.addWorkspace(ownerA, { name: "Second" })).workspaceId;
    a.agent = (await identity.addMember(ownerA, MemberRole.AGENT, [a.ws1])).accessToken;

    const allScopes = [
      "conversations:read",
      "conversations:write",
      "messages:write",
      "contacts:read",
      "contacts:write",
      "assistants:read",
      "assistants:write",
      "knowledge:write",
      "channels:read",
      "channels:write",
      "webhooks:write",
      "analytics:read",
    ];
    keyOtherWorkspace = (await identity.createApiKey(ownerA, a.ws2, allScopes)).secret;
    for (const scope of ["analytics:read", "contacts:read"]) {
      keysWithOneScope.set(scope, (await identity.createApiKey(ownerA, a.ws1, [scope])).secret);
    }

    for (const service of SERVICES) serviceTokens.set(service, await identity.serviceToken(service));
    const webChannelId = await identity.createWebChannel(ownerA, ["https://shop.test"]);
    const asIngress = await identity.asService("ingress");
    visitor = (
      await asIngress.tokens.issueVisitorToken({
        tenantId: a.tenantId,
        channelId: webChannelId,
        sessionId: randomUUID(),
        visitorId: "v-1",
      })
    ).visitorToken;

    expired = await signExpired(product.issuer, {
      typ: "at+jwt",
      sub: ownerA.userId,
      claims: { tid: a.tenantId, role: "owner" },
    });
    const [head, payload, signature] = a.owner.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, tid: randomUUID() })).toString("base64url")}.${signature}`;
  });

  after(async () => {
    await product?.stop();
  });

  const mine = (): Target => ({ tenantId: a.tenantId, workspaceId: a.ws1 });
  const refusalsOf: Array<{ rpc: string; who: string; outcome: Outcome; sent: Target }> = [];
  const check = async (
    entry: { method: DescMethod; owner: ServiceName },
    who: string,
    credential: string | undefined,
    want: Code,
    target: Target = mine(),
  ) => {
    const outcome = await callAs(product, entry.owner, entry.method, credential, target);
    refusalsOf.push({ rpc: label(entry.method), who, outcome, sent: target });
    assert.equal(
      outcome.code,
      want,
      `${label(entry.method)} by ${who}: got ${outcome.code === "ok" ? "ok" : Code[outcome.code]} "${outcome.message}", want ${Code[want]}`,
    );
  };
  const ruleFor = (m: DescMethod): Rule => {
    const rule = ruleOf(POLICIES, m);
    assert.ok(rule, `${label(m)} has no rule`);
    return rule;
  };

  it("has exactly one rule for every RPC of every service in the contracts", () => {
    assert.deepEqual(
      methodsWithoutRule(
        POLICIES,
        SERVED.map((s) => s.service),
      ),
      [],
    );
    assert.ok(METHODS.length >= 100, `only ${METHODS.length} RPCs found`);
  });

  it("targets the workspace or tenant that each guarded request names", () => {
    // A rule that forgets its target would let a caller name another tenant's workspace.
    const missing = METHODS.filter(({ method }) => {
      const rule = ruleFor(method);
      if (rule.public || (rule.role === undefined && rule.scope === undefined && !rule.visitor)) return false;
      const names = new Set(method.input.fields.map((f) => f.name));
      const nested = method.input.oneofs.some((o) =>
        o.fields.some((f) => f.message?.fields.some((g) => g.name === "workspace_id")),
      );
      // A tenant target may leave workspace_id as a filter inside the caller's tenant.
      if (rule.workspace !== undefined || rule.tenant !== undefined) return false;
      return names.has("workspace_id") || names.has("tenant_id") || nested;
    }).map(({ method }) => label(method));
    assert.deepEqual(missing, []);
  });

  it("refuses every guarded RPC without credentials, with an expired token and with a tampered one", async () => {
    for (const entry of METHODS) {
      if (ruleFor(entry.method).public) continue;
      await check(entry, "nobody", undefined, Code.Unauthenticated);
      await check(entry, "an expired token", expired, Code.Unauthenticated);
      await check(entry, "a tampered token", tampered, Code.Unauthenticated);
    }
  });

  it("keeps another tenant's owner out: not_found for this tenant's targets, not allowed elsewhere", async () => {
    for (const entry of METHODS) {
      const rule = ruleFor(entry.method);
      if (rule.public) continue;
      if (rule.role === undefined) {
        await check(entry, "another tenant's owner", ownerB, Code.PermissionDenied);
      } else if (rule.workspace || rule.tenant) {
        await check(entry, "another tenant's owner", ownerB, Code.NotFound);
      }
    }
  });

  it("refuses an API key of another workspace and a key without the scope", async () => {
    for (const entry of METHODS) {
      const rule = ruleFor(entry.method);
      if (rule.public) continue;
      if (rule.scope === undefined || rule.workspace !== undefined) {
        await check(entry, "a key of another workspace", keyOtherWorkspace, Code.PermissionDenied);
      }
      const scope = rule.scope === "analytics:read" ? "contacts:read" : "analytics:read";
      await check(entry, `a key with only ${scope}`, keysWithOneScope.get(scope), Code.PermissionDenied);
    }
  });

  it("refuses an agent where an admin or owner is needed, and lets it through where an agent may", async () => {
    for (const entry of METHODS) {
      const rule = ruleFor(entry.method);
      if (rule.public) continue;
      if (rule.role === undefined || rule.role === "admin" || rule.role === "owner") {
        await check(entry, "an agent", a.agent, Code.PermissionDenied);
      } else {
        const outcome = await callAs(product, entry.owner, entry.method, a.agent, mine());
        assert.ok(!REFUSED.has(outcome.code), `${label(entry.method)} refused an agent: ${outcome.message}`);
      }
    }
  });

  it("lets the tenant's owner through every rule that admits owners", async () => {
    for (const entry of METHODS) {
      const rule = ruleFor(entry.method);
      if (rule.role === undefined) continue;
      const outcome = await callAs(product, entry.owner, entry.method, a.owner, mine());
      assert.ok(
        !REFUSED.has(outcome.code) && !GENERIC.has(outcome.message),
        `${label(entry.method)} refused the owner: ${outcome.code} ${outcome.message}`,
      );
    }
  });

  it("keeps internal RPCs to the services named in their rule", async () => {
    const internal = METHODS.filter(
      (e) => ruleFor(e.method).services !== undefined && !ruleFor(e.method).role,
    );
    assert.ok(internal.length >= 6, `only ${internal.length} internal RPCs`);
    for (const entry of internal) {
      const allowed = ruleFor(entry.method).services ?? [];
      await check(entry, "the tenant's owner", a.owner, Code.PermissionDenied);
      await check(entry, "a visitor", visitor, Code.PermissionDenied);
      for (const service of SERVICES) {
        const outcome = await callAs(product, entry.owner, entry.method, serviceTokens.get(service), mine());
        if (allowed.includes(service)) {
          assert.ok(
            !REFUSED.has(outcome.code),
            `${label(entry.method)} refused ${service}: ${outcome.message}`,
          );
        } else {
          assert.equal(outcome.code, Code.PermissionDenied, `${label(entry.method)} admitted ${service}`);
        }
      }
    }
  });

  it("keeps platform-admin RPCs to platform admins and visitor RPCs to visitors", async () => {
    for (const entry of METHODS) {
      const rule = ruleFor(entry.method);
      if (rule.platformAdmin && rule.role === undefined) {
        await check(entry, "the tenant's owner", a.owner, Code.PermissionDenied, spare);
        const outcome = await callAs(product, entry.owner, entry.method, platformAdmin, spare);
        assert.ok(!REFUSED.has(outcome.code), `${label(entry.method)} refused the platform admin`);
      }
      if (rule.visitor) {
        const outcome = await callAs(product, entry.owner, entry.method, visitor, mine());
        assert.ok(!REFUSED.has(outcome.code), `${label(entry.method)} refused a visitor: ${outcome.message}`);
      } else if (!rule.public) {
        await check(entry, "a visitor", visitor, Code.PermissionDenied);
      }
    }
  });

  it("names nothing the caller did not send in any refusal", async () => {
    assert.ok(refusalsOf.length > 500, `only ${refusalsOf.length} refusals were checked`);
    const secrets = [a.tenantId, a.ws2, a.name, a.slug, a.email];
    for (const { rpc, who, outcome, sent } of refusalsOf) {
      assert.ok(GENERIC.has(outcome.message), `${rpc} by ${who}: unexpected message "${outcome.message}"`);
      for (const s of secrets) {
        if (s === "" || JSON.stringify(sent).includes(s)) continue;
        assert.ok(!outcome.message.includes(s), `${rpc} by ${who} leaked ${s}`);
      }
    }
    // The refusals left nothing behind: no row was written in another tenant's name.
    const rows = await adminQuery<{ n: string }>(
      "select count(*) as n from assistant.assistants where tenant_id = $1",
      [a.tenantId],
    );
    assert.equal(rows[0]?.n, "0");
  });
});
