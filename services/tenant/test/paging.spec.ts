import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ChannelType, ErrorReason } from "@atendo/proto/common/v1";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, type Owner, type TenantClients, uniqueSlug } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

/** Every item of a list, page by page (AIP-158: next_page_token until it is empty). */
async function pageAll<T>(
  fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await fetch(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== "");
  return { items, pages };
}

function assertEachOnce(ids: string[], expected: string[], what: string): void {
  assert.equal(new Set(ids).size, ids.length, `${what}: an item came twice`);
  assert.deepEqual([...ids].sort(), [...expected].sort(), what);
}

const invalidPageToken = async (call: Promise<unknown>, what: string) => {
  const err = await rejection(call);
  assert.equal(err.code, Code.InvalidArgument, what);
  assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.INVALID_PAGE_TOKEN], what);
  assert.equal(errorInfoOf(err)?.metadata.field, "page_token", what);
};

describe("paging of every list (AIP-158)", () => {
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

  it("coerces a page size above 100 to 100 instead of refusing it, and 0 to 50", async () => {
    // 120 entries more than the sign-up wrote, straight into the table (the RPCs would take minutes).
    const ids = Array.from({ length: 120 }, () => newId());
    await adminQuery(
      `insert into tenant.audit_log (id, tenant_id, actor_kind, action, target_type, target_id, occurred_at)
       select unnest($1::uuid[]), $2, 'SYSTEM', 'paging.test', 'test', 'x', now()`,
      [ids, owner.tenantId],
    );
    const list = (pageSize: number, pageToken = "") =>
      owner.clients.tenants.listAuditLog({ tenantId: owner.tenantId, pageSize, pageToken });
    const big = await list(5000);
    assert.equal(big.entries.length, 100);
    assert.notEqual(big.nextPageToken, "");
    assert.equal((await list(0)).entries.length, 50);
    const all = await pageAll(async (token) => {
      const page = await list(1000, token);
      return { items: page.entries.map((e) => e.id), nextPageToken: page.nextPageToken };
    });
    const [count] = await adminQuery<{ n: string }>(
      "select count(*) as n from tenant.audit_log where tenant_id = $1",
      [owner.tenantId],
    );
    assert.equal(all.items.length, Number(count?.n));
    assert.equal(new Set(all.items).size, all.items.length);
    assert.ok(ids.every((id) => all.items.includes(id)));
    assert.equal(all.pages, 2);
  });

  it("pages through tenants, workspaces, members, channels and API keys, each item once", async () => {
    const tenants = h.tenants;
    const marker = uniqueSlug("pg");
    const tenantIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { tenant } = await tenants.createTenant({
        name: marker,
        slug: `${marker}-${i}`,
        plan: Plan.FREE,
      });
      tenantIds.push(tenant?.id ?? "");
    }
    const listedTenants = await pageAll(async (pageToken) => {
      const r = await tenants.listTenants({ query: marker, pageSize: 2, pageToken });
      return { items: r.tenants.map((t) => t.id), nextPageToken: r.nextPageToken };
    });
    assertEachOnce(listedTenants.items, tenantIds, "tenants");
    assert.equal(listedTenants.pages, 2);

    const workspaceIds = [owner.workspaceId];
    for (let i = 0; i < 2; i++) workspaceIds.push((await h.identity.addWorkspace(owner)).workspaceId);
    const listedWorkspaces = await pageAll(async (pageToken) => {
      const r = await owner.clients.tenants.listWorkspaces({
        tenantId: owner.tenantId,
        pageSize: 2,
        pageToken,
      });
      return { items: r.workspaces.map((w) => w.id), nextPageToken: r.nextPageToken };
    });
    assertEachOnce(listedWorkspaces.items, workspaceIds, "workspaces");

    const memberIds = [owner.userId];
    for (let i = 0; i < 2; i++) memberIds.push((await h.identity.addMember(owner, MemberRole.AGENT)).userId);
    const listedMembers = await pageAll(async (pageToken) => {
      const r = await owner.clients.tenants.listMembers({ tenantId: owner.tenantId, pageSize: 2, pageToken });
      return { items: r.members.map((m) => m.userId), nextPageToken: r.nextPageToken };
    });
    assertEachOnce(listedMembers.items, memberIds, "members");

    const channelIds: string[] = [];
    for (let i = 0; i < 3; i++) channelIds.push(await h.identity.createWebChannel(owner));
    const listedChannels = await pageAll(async (pageToken) => {
      const r = await owner.clients.channels.listChannels({
        workspaceId: owner.workspaceId,
        pageSize: 2,
        pageToken,
      });
      return { items: r.channels.map((c) => c.id), nextPageToken: r.nextPageToken };
    });
    assertEachOnce(listedChannels.items, channelIds, "channels");

    const keyIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      keyIds.push((await h.identity.createApiKey(owner, owner.workspaceId, ["channels:read"])).id);
    }
    const listedKeys = await pageAll(async (pageToken) => {
      const r = await owner.clients.apiKeys.listApiKeys({
        workspaceId: owner.workspaceId,
        pageSize: 2,
        pageToken,
      });
      return { items: r.apiKeys.map((k) => k.id), nextPageToken: r.nextPageToken };
    });
    assertEachOnce(listedKeys.items, keyIds, "api keys");
  });

  it("refuses a token of other filters, of another list or of nowhere: INVALID_PAGE_TOKEN", async () => {
    for (let i = 0; i < 2; i++) await h.identity.createWebChannel(owner);
    await h.identity.createApiKey(owner, owner.workspaceId, ["channels:read"]);
    await h.identity.createApiKey(owner, owner.workspaceId, ["channels:read"]);
    const { workspaceId } = owner;
    const first = await owner.clients.channels.listChannels({ workspaceId, pageSize: 1 });
    const token = first.nextPageToken;
    assert.notEqual(token, "");
    // The same token, the same filters: the next page.
    const second = await owner.clients.channels.listChannels({ workspaceId, pageSize: 1, pageToken: token });
    assert.notEqual(second.channels[0]?.id, first.channels[0]?.id);

    await invalidPageToken(
      owner.clients.channels.listChannels({ workspaceId, type: ChannelType.WEB, pageToken: token }),
      "other filters",
    );
    await invalidPageToken(
      owner.clients.apiKeys.listApiKeys({ workspaceId, pageToken: token }),
      "a token of another list",
    );
    const keys = await owner.clients.apiKeys.listApiKeys({ workspaceId, pageSize: 1 });
    await invalidPageToken(
      owner.clients.tenants.listAuditLog({ tenantId: owner.tenantId, pageToken: keys.nextPageToken }),
      "an api key token on the audit log",
    );
    await invalidPageToken(
      owner.clients.tenants.listMembers({ tenantId: owner.tenantId, pageToken: "not-a-token" }),
      "garbage",
    );
  });
});
