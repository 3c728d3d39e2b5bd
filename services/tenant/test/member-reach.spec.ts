import assert from "node:assert/strict";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { type Person, type TenantClients, uniqueEmail } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { invitationToken } from "./support/mail.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf } from "./support/tokens.js";

// An admin limited to one workspace of a tenant with two: what they may grant, change and see.
describe("a workspace-limited admin's reach", () => {
  let h: TenantHarness;
  let tenantId: string;
  let mine: string;
  let other: string;
  let limited: Person<TenantClients>;
  let owner: Person<TenantClients>;

  before(async () => {
    h = await startTenantForTest();
    const o = await h.identity.signUpOwner();
    await h.identity.raiseLimits(o.tenantId);
    owner = o;
    tenantId = o.tenantId;
    mine = o.workspaceId;
    other = (await h.identity.addWorkspace(o, { name: "Other" })).workspaceId;
    limited = await h.identity.addMember(o, MemberRole.ADMIN, [mine]);
  });
  after(async () => {
    await h?.stop();
  });

  it("cannot lift their own limit: no change of their own role or workspaces, so a refresh keeps it", async () => {
    const self = await rejection(
      limited.clients.tenants.updateMemberRole({
        tenantId,
        userId: limited.userId,
        role: MemberRole.ADMIN,
        workspaceIds: [],
      }),
    );
    assert.equal(self.code, Code.PermissionDenied);
    assert.match(self.rawMessage, /your own role or workspaces/);
    const refreshed = await h.anonymous.auth.refreshToken({ refreshToken: limited.tokens.refreshToken });
    assert.deepEqual(claimsOf(refreshed.tokens?.accessToken ?? "").ws, [mine]);
    // Not even a no-op on themselves, and not by an owner on themselves either.
    const same = await rejection(
      limited.clients.tenants.updateMemberRole({
        tenantId,
        userId: limited.userId,
        role: MemberRole.ADMIN,
        workspaceIds: [mine],
      }),
    );
    assert.equal(same.code, Code.PermissionDenied);
  });

  it("cannot invite beyond their own workspaces, not even their own other mailbox", async () => {
    // Another mailbox of theirs, as an admin of every workspace: the way around their limit.
    const toSelf = await rejection(
      limited.clients.tenants.inviteMember({
        tenantId,
        email: uniqueEmail("my-other-mailbox"),
        role: MemberRole.ADMIN,
        workspaceIds: [],
      }),
    );
    assert.equal(toSelf.code, Code.PermissionDenied);
    assert.match(toSelf.rawMessage, /cannot grant every workspace/);
    const elsewhere = await rejection(
      limited.clients.tenants.inviteMember({
        tenantId,
        email: uniqueEmail(),
        role: MemberRole.AGENT,
        workspaceIds: [mine, other],
      }),
    );
    assert.equal(elsewhere.code, Code.PermissionDenied);
    // Within their workspace they invite as any admin does; the newcomer gets exactly that.
    const email = uniqueEmail("within");
    const invited = await limited.clients.tenants.inviteMember({
      tenantId,
      email,
      role: MemberRole.ADMIN,
      workspaceIds: [mine],
    });
    const accepted = await h.anonymous.tenants.acceptInvitation({
      invitationToken: invitationToken(h, invited.invitation?.id),
      name: "Wanda",
      password: "a-password-of-wanda",
    });
    assert.deepEqual(accepted.member?.workspaceIds, [mine]);
  });

  it("changes only members within their workspaces, and never grants more than they hold", async () => {
    const agent = await h.identity.addMember(owner, MemberRole.AGENT, [mine]);
    const toAll = await rejection(
      limited.clients.tenants.updateMemberRole({
        tenantId,
        userId: agent.userId,
        role: MemberRole.AGENT,
        workspaceIds: [],
      }),
    );
    assert.equal(toAll.code, Code.PermissionDenied);
    const toOther = await rejection(
      limited.clients.tenants.updateMemberRole({
        tenantId,
        userId: agent.userId,
        role: MemberRole.AGENT,
        workspaceIds: [other],
      }),
    );
    assert.equal(toOther.code, Code.PermissionDenied);
    const promoted = await limited.clients.tenants.updateMemberRole({
      tenantId,
      userId: agent.userId,
      role: MemberRole.ADMIN,
      workspaceIds: [mine],
    });
    assert.equal(promoted.member?.role, MemberRole.ADMIN);

    // Someone who also uses the other workspace (or all of them) is beyond reach; someone only in
    // the other workspace does not exist for them.
    const both = await h.identity.addMember(owner, MemberRole.AGENT, [mine, other]);
    const everywhere = await h.identity.addMember(owner, MemberRole.AGENT, []);
    const elsewhere = await h.identity.addMember(owner, MemberRole.AGENT, [other]);
    for (const target of [both, everywhere]) {
      const change = await rejection(
        limited.clients.tenants.updateMemberRole({
          tenantId,
          userId: target.userId,
          role: MemberRole.AGENT,
          workspaceIds: [mine],
        }),
      );
      assert.equal(change.code, Code.PermissionDenied);
      const remove = await rejection(
        limited.clients.tenants.removeMember({ tenantId, userId: target.userId }),
      );
      assert.equal(remove.code, Code.PermissionDenied);
    }
    const hidden = await rejection(
      limited.clients.tenants.removeMember({ tenantId, userId: elsewhere.userId }),
    );
    assert.equal(hidden.code, Code.NotFound);
    await limited.clients.tenants.removeMember({ tenantId, userId: agent.userId });
  });

  it("sees the members and the audit entries of their workspaces only", async () => {
    const inOther = await h.identity.addMember(owner, MemberRole.AGENT, [other]);
    const inMine = await h.identity.addMember(owner, MemberRole.AGENT, [mine]);
    await owner.clients.tenants.updateWorkspace({
      workspaceId: other,
      updateMask: { paths: ["name"] },
      name: "Other 2",
    });
    await owner.clients.tenants.updateWorkspace({
      workspaceId: mine,
      updateMask: { paths: ["name"] },
      name: "Mine",
    });

    const listed = (await limited.clients.tenants.listMembers({ tenantId, pageSize: 100 })).members;
    const ids = listed.map((m) => m.userId);
    assert.ok(
      ids.includes(inMine.userId) && ids.includes(owner.userId),
      "members of their workspace, and owners of all",
    );
    assert.ok(!ids.includes(inOther.userId), "not the members of the other workspace");
    const filtered = await rejection(limited.clients.tenants.listMembers({ tenantId, workspaceId: other }));
    assert.equal(filtered.code, Code.PermissionDenied);

    const entries = (await limited.clients.tenants.listAuditLog({ tenantId, pageSize: 100 })).entries;
    assert.ok(entries.length > 0);
    assert.ok(
      entries.every((e) => e.workspaceId === mine),
      JSON.stringify(entries.map((e) => e.action)),
    );
    const otherLog = await rejection(limited.clients.tenants.listAuditLog({ tenantId, workspaceId: other }));
    assert.equal(otherLog.code, Code.PermissionDenied);
    // An admin of the whole tenant still sees everything.
    const all = (await owner.clients.tenants.listMembers({ tenantId, pageSize: 100 })).members;
    assert.ok(all.some((m) => m.userId === inOther.userId));
  });
});
