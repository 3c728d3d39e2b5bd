// The kit against the real tenant service, started in-process on the test stack: every identity it
// hands out must be what the service says it is, and its clients must call as that identity.
import assert from "node:assert/strict";
import { connectBus } from "@atendo/bus";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { createLogger } from "@atendo/telemetry";
import { Code } from "@connectrpc/connect";
import {
  clientsFor,
  codeOf,
  createIdentityKit,
  type IdentityKit,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueNamespace,
} from "../src/index.js";
import { startTenantForTests } from "../src/tenant/start-tenant-for-tests.js";

const typOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as { typ?: string }).typ;

describe("createIdentityKit (real tenant service)", function () {
  this.timeout(60_000);
  const env = testEnv();
  const namespace = uniqueNamespace("idkit");
  const admin = { email: `admin-${namespace.replace(/_/g, "-")}@example.com`, password: "admin-password-1" };
  const logger = createLogger({ service: "identity-kit-test", level: "silent" });
  let stop: () => Promise<void> = async () => {};
  let tenantUrl = "";
  let kit: IdentityKit<TenantClients>;

  before(async () => {
    // Mail goes to the development sender: the kit reads links from its /dev/mailbox.
    const tenant = await startTenantForTests({ namespace, logger, adminEmail: admin.email });
    stop = async () => {
      await tenant.stop();
      const bus = await connectBus({ servers: env.natsUrl, name: "identity-kit-test", logger, namespace });
      await bus.deleteNamespaceStreams();
      await bus.close();
    };
    tenantUrl = tenant.url;
    kit = createIdentityKit({ tenantUrl, platformAdmin: admin });
    // Someone signed the listed address up and never opened the link: the kit asks for another.
    await clientsFor(tenantUrl, undefined, TENANT_SERVICES).auth.signUp({
      email: admin.email,
      password: admin.password,
      name: "Early",
      tenantName: "Early",
    });
  });
  after(async () => {
    await stop();
  });

  it("signs up an owner whose clients call as them, in their first workspace", async () => {
    const owner = await kit.signUpOwner({ tenantName: "Kit Bakery" });
    const me = await owner.clients.auth.getCurrentUser({});
    assert.deepEqual(
      [me.user?.id, me.user?.email, me.tenant?.id, me.tenant?.slug, me.role, me.platformAdmin],
      [owner.userId, owner.email, owner.tenantId, owner.tenantSlug, MemberRole.OWNER, false],
    );
    assert.deepEqual(
      me.workspaces.map((w) => w.id),
      [owner.workspaceId],
    );
    assert.equal(owner.accessToken, owner.tokens.accessToken);
    const login = await owner.clients.auth.login({ email: owner.email, password: owner.password });
    assert.equal(login.tenantId, owner.tenantId);
    const { tenant } = await owner.clients.tenants.getTenant({ tenantId: owner.tenantId });
    assert.deepEqual([tenant?.name, tenant?.plan], ["Kit Bakery", Plan.FREE]);
  });

  it("verifies the people it creates through the links the tenant service mailed", async () => {
    const owner = await kit.signUpOwner();
    assert.equal((await owner.clients.auth.getCurrentUser({})).user?.emailVerified, true);
    const member = await kit.addMember(owner);
    assert.equal((await member.clients.auth.getCurrentUser({})).user?.emailVerified, true);
    const unverified = await kit.signUpOwner({ verify: false });
    assert.equal((await unverified.clients.auth.getCurrentUser({})).user?.emailVerified, false);
    await kit.verifyEmail(unverified.email);
    assert.equal((await unverified.clients.auth.getCurrentUser({})).user?.emailVerified, true);
  });

  it("sets the plan asked for, as the platform admin", async () => {
    const owner = await kit.signUpOwner({ plan: Plan.PRO });
    const { tenant } = await owner.clients.tenants.getTenant({ tenantId: owner.tenantId });
    assert.equal(tenant?.plan, Plan.PRO);
  });

  it("adds a member with the role and workspaces asked for, and another workspace", async () => {
    const owner = await kit.signUpOwner({ plan: Plan.PRO });
    const second = await kit.addWorkspace(owner, { name: "Second", defaultLanguage: "pt-BR" });
    assert.notEqual(second.workspaceId, owner.workspaceId);
    assert.equal(second.userId, owner.userId);
    const { workspace } = await owner.clients.tenants.getWorkspace({ workspaceId: second.workspaceId });
    assert.deepEqual([workspace?.name, workspace?.defaultLanguage], ["Second", "pt-BR"]);

    const agent = await kit.addMember(owner, MemberRole.AGENT, [second.workspaceId], { name: "Ana Agent" });
    const me = await agent.clients.auth.getCurrentUser({});
    assert.deepEqual(
      [me.user?.id, me.user?.name, me.tenant?.id, me.role],
      [agent.userId, "Ana Agent", owner.tenantId, MemberRole.AGENT],
    );
    assert.deepEqual(
      me.workspaces.map((w) => w.id),
      [second.workspaceId],
    );
    const adminMember = await kit.addMember(owner, MemberRole.ADMIN);
    const adminMe = await adminMember.clients.auth.getCurrentUser({});
    assert.equal(adminMe.role, MemberRole.ADMIN);
    assert.equal(adminMe.workspaces.length, 2, "no workspace list: every workspace");
  });

  it("creates an API key whose clients hold exactly its scopes, and a web channel", async () => {
    const owner = await kit.signUpOwner();
    const channelId = await kit.createWebChannel(owner, ["https://shop.test"]);
    const reader = await kit.createApiKey(owner, owner.workspaceId, ["channels:read"]);
    assert.match(reader.secret, /^atd_/);
    const { channels } = await reader.clients.channels.listChannels({ workspaceId: owner.workspaceId });
    assert.deepEqual(
      channels.map((c) => [c.id, c.config.case]),
      [[channelId, "web"]],
    );
    const other = await kit.createApiKey(owner, owner.workspaceId, ["conversations:read"]);
    assert.equal(
      await codeOf(other.clients.channels.listChannels({ workspaceId: owner.workspaceId })),
      Code.PermissionDenied,
    );
    const { apiKeys } = await owner.clients.apiKeys.listApiKeys({ workspaceId: owner.workspaceId });
    assert.deepEqual(
      apiKeys.map((k) => [k.id, k.scopes]).sort(),
      [
        [reader.id, ["channels:read"]],
        [other.id, ["conversations:read"]],
      ].sort(),
    );
  });

  it("issues service tokens for the development credential only", async () => {
    const token = await kit.serviceToken("ingress");
    assert.equal(typOf(token), "svc+jwt");
    assert.equal(
      await codeOf(kit.serviceToken("ingress", "not-the-ingress-credential")),
      Code.Unauthenticated,
    );
    // ResolveChannel admits the ingress and delivery services only.
    const owner = await kit.signUpOwner();
    const channelId = await kit.createWebChannel(owner);
    const asIngress = await kit.asService("ingress");
    const key = { case: "channelId" as const, value: channelId };
    const resolved = await asIngress.channelDirectory.resolveChannel({ key });
    assert.deepEqual([resolved.channelId, resolved.tenantId], [channelId, owner.tenantId]);
    assert.equal(await codeOf(owner.clients.channelDirectory.resolveChannel({ key })), Code.PermissionDenied);
  });

  it("signs the platform admin in once, and again (by login) from another kit", async () => {
    const first = await kit.platformAdmin();
    assert.equal(await kit.platformAdmin(), first);
    const me = await first.clients.auth.getCurrentUser({});
    assert.equal(me.platformAdmin, true);
    const again = await createIdentityKit({ tenantUrl, platformAdmin: admin }).platformAdmin();
    assert.deepEqual([again.userId, again.tenantId], [first.userId, first.tenantId]);
    assert.notEqual(again.accessToken, first.accessToken);
    await assert.rejects(createIdentityKit({ tenantUrl }).platformAdmin(), /no platformAdmin/);
  });

  it("sets and raises a tenant's limits as the platform admin", async () => {
    const owner = await kit.signUpOwner();
    const limits = await kit.setLimits(owner.tenantId, { monthlyAiMessages: 7 });
    assert.equal(limits.monthlyAiMessages, 7);
    await kit.raiseLimits(owner.tenantId);
    const { tenant } = await owner.clients.tenants.getTenant({ tenantId: owner.tenantId });
    assert.deepEqual(
      [tenant?.limits?.workspaces, tenant?.limits?.members, tenant?.limits?.monthlyAiMessages],
      [10, 20, 1000],
    );
    // FREE allows one workspace: the raised limits make room for a second one.
    await kit.addWorkspace(owner);
  });

  it("hands out the caller's own clients when given a factory", async () => {
    const made: Array<string | undefined> = [];
    const own = createIdentityKit({
      tenantUrl,
      clients: (credential) => {
        made.push(credential);
        return { credential };
      },
    });
    const owner = await own.signUpOwner();
    assert.deepEqual(owner.clients, { credential: owner.accessToken });
    const key = await own.createApiKey(owner, owner.workspaceId, ["contacts:read"]);
    assert.deepEqual(key.clients, { credential: key.secret });
    assert.deepEqual(made, [owner.accessToken, key.secret]);
  });
});
