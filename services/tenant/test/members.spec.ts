import assert from "node:assert/strict";
import type { Consumer } from "@atendo/bus";
import { ErrorReason } from "@atendo/proto/common/v1";
import {
  InviteMemberResponseSchema,
  MemberChange,
  MemberChangedSchema,
  MemberRole,
  ErrorReason as TenantReason,
} from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, newPassword, uniqueEmail, waitFor } from "@atendo/testing";
import { toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { invitationToken } from "./support/mail.js";
import { rejection } from "./support/rejection.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf } from "./support/tokens.js";

describe("members and invitations", () => {
  let h: TenantHarness;
  let consumer: Consumer;
  const changes: Array<{ tenantId: string; userId: string; change: MemberChange; role: MemberRole }> = [];

  before(async () => {
    h = await startTenantForTest();
    consumer = await h.bus.consume({
      durable: "members-spec",
      schema: MemberChangedSchema,
      handler: (e) =>
        void changes.push({
          tenantId: e.meta?.tenantId ?? "",
          userId: e.member?.userId ?? "",
          change: e.change,
          role: e.member?.role ?? MemberRole.UNSPECIFIED,
        }),
    });
  });
  after(async () => {
    await consumer?.stop();
    await h?.stop();
  });

  describe("InviteMember / AcceptInvitation", () => {
    it("invites by email through the sender and lets a new person join with a session", async () => {
      const owner = await h.identity.signUpOwner();
      const email = uniqueEmail("new");
      const invited = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email,
        role: MemberRole.AGENT,
        workspaceIds: [owner.workspaceId],
      });
      assert.equal(invited.invitation?.invitedByUserId, owner.userId);
      assert.equal(invited.emailSent, true);
      const [sent] = h.mail.filter((m) => m.refs.invitationId === invited.invitation?.id);
      assert.ok(sent);
      assert.equal(sent.to, email);
      assert.match(sent.link, /\/invitations\/accept#token=inv_/);
      const token = invitationToken(h, invited.invitation?.id);
      // Only the mail has the token: not the answer, not a log line.
      assert.ok(!toJsonString(InviteMemberResponseSchema, invited).includes(token));
      assert.ok(!h.logs.some((l) => l.includes(token)));

      const password = newPassword();
      const accepted = await h.anonymous.tenants.acceptInvitation({
        invitationToken: token,
        name: "Nia New",
        password,
      });
      assert.deepEqual(
        [accepted.member?.role, accepted.member?.workspaceIds, accepted.member?.email, accepted.user?.name],
        [MemberRole.AGENT, [owner.workspaceId], email, "Nia New"],
      );
      const claims = claimsOf(accepted.tokens?.accessToken ?? "");
      assert.deepEqual([claims.tid, claims.role, claims.ws], [owner.tenantId, "agent", [owner.workspaceId]]);
      const [row] = await adminQuery<{ accepted: boolean }>(
        "select accepted_at is not null as accepted from tenant.invitations where id = $1",
        [invited.invitation?.id],
      );
      assert.equal(row?.accepted, true);
      // The link works once.
      const again = await rejection(
        h.anonymous.tenants.acceptInvitation({ invitationToken: token, name: "X", password }),
      );
      assert.equal(again.code, Code.Unauthenticated);
      // The new member logs in with the chosen password.
      const login = await h.anonymous.auth.login({ email, password }, fromNewIp());
      assert.equal(login.tenantId, owner.tenantId);
      await waitFor(
        () => changes.some((c) => c.userId === accepted.user?.id && c.change === MemberChange.ADDED),
        { message: "MemberChanged ADDED" },
      );
    });

    it("replaces an open invitation of the same address, and refuses members and bad tokens", async () => {
      const owner = await h.identity.signUpOwner();
      const email = uniqueEmail("twice");
      const first = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email,
        role: MemberRole.AGENT,
      });
      const second = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email,
        role: MemberRole.ADMIN,
      });
      const stale = await rejection(
        h.anonymous.tenants.acceptInvitation({
          invitationToken: invitationToken(h, first.invitation?.id),
          name: "X",
          password: newPassword(),
        }),
      );
      assert.equal(stale.code, Code.Unauthenticated);
      const accepted = await h.anonymous.tenants.acceptInvitation({
        invitationToken: invitationToken(h, second.invitation?.id),
        name: "Twice",
        password: newPassword(),
      });
      assert.equal(accepted.member?.role, MemberRole.ADMIN);
      const member = await rejection(
        owner.clients.tenants.inviteMember({ tenantId: owner.tenantId, email, role: MemberRole.AGENT }),
      );
      assert.equal(member.code, Code.AlreadyExists);
      const bogus = await rejection(
        h.anonymous.tenants.acceptInvitation({
          invitationToken: "inv_not-a-real-token-at-all",
          name: "X",
          password: newPassword(),
        }),
      );
      assert.equal(bogus.code, Code.Unauthenticated);
      assert.equal(errorInfoOf(bogus)?.reason, TenantReason[TenantReason.INVITATION_INVALID]);
    });

    it("lets an existing account join with its password (or its session), never with a wrong one", async () => {
      const owner = await h.identity.signUpOwner();
      const other = await h.identity.signUpOwner();
      const invited = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: other.email,
        role: MemberRole.AGENT,
      });
      const wrong = await rejection(
        h.anonymous.tenants.acceptInvitation(
          { invitationToken: invitationToken(h, invited.invitation?.id), password: "not-their-password" },
          fromNewIp(),
        ),
      );
      assert.equal(wrong.code, Code.Unauthenticated);
      assert.equal(errorInfoOf(wrong)?.reason, TenantReason[TenantReason.INVALID_LOGIN]);
      // Without their session, the password is needed.
      const noPassword = await rejection(
        h.anonymous.tenants.acceptInvitation({ invitationToken: invitationToken(h, invited.invitation?.id) }),
      );
      assert.equal(noPassword.code, Code.InvalidArgument);
      assert.equal(errorInfoOf(noPassword)?.metadata.field, "password");
      // Their own session proves who they are: no password then.
      const accepted = await other.clients.tenants.acceptInvitation({
        invitationToken: invitationToken(h, invited.invitation?.id),
      });
      assert.equal(accepted.user?.id, other.userId);
      const tenants = await adminQuery<{ tenant_id: string }>(
        "select tenant_id from tenant.memberships where user_id = $1 order by tenant_id",
        [other.userId],
      );
      assert.deepEqual(tenants.map((t) => t.tenant_id).sort(), [owner.tenantId, other.tenantId].sort());
    });

    it("keeps owners' invitations for owners, and checks the input", async () => {
      const owner = await h.identity.signUpOwner();
      await h.identity.raiseLimits(owner.tenantId);
      const admin = await h.identity.addMember(owner, MemberRole.ADMIN);
      const agent = await h.identity.addMember(owner, MemberRole.AGENT);
      const ownerByAdmin = await rejection(
        admin.clients.tenants.inviteMember({
          tenantId: owner.tenantId,
          email: uniqueEmail(),
          role: MemberRole.OWNER,
        }),
      );
      assert.equal(ownerByAdmin.code, Code.PermissionDenied);
      const byAgent = await rejection(
        agent.clients.tenants.inviteMember({
          tenantId: owner.tenantId,
          email: uniqueEmail(),
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(byAgent.code, Code.PermissionDenied);
      const badEmail = await rejection(
        owner.clients.tenants.inviteMember({
          tenantId: owner.tenantId,
          email: "nope",
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(badEmail.code, Code.InvalidArgument);
      assert.match(badEmail.rawMessage, /^email/);
      const foreignWs = await rejection(
        owner.clients.tenants.inviteMember({
          tenantId: owner.tenantId,
          email: uniqueEmail(),
          role: MemberRole.AGENT,
          workspaceIds: [h.admin.tenantId],
        }),
      );
      assert.equal(foreignWs.code, Code.InvalidArgument);
      assert.match(foreignWs.rawMessage, /^workspace_ids\[0\]/);
      const invited = await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: uniqueEmail(),
        role: MemberRole.AGENT,
      });
      const blankName = await rejection(
        h.anonymous.tenants.acceptInvitation({
          invitationToken: invitationToken(h, invited.invitation?.id),
          name: "  ",
          password: newPassword(),
        }),
      );
      assert.equal(blankName.code, Code.InvalidArgument);
      assert.match(blankName.rawMessage, /^name/);
      const longName = await rejection(
        h.anonymous.tenants.acceptInvitation({
          invitationToken: invitationToken(h, invited.invitation?.id),
          name: "n".repeat(101),
          password: newPassword(),
        }),
      );
      assert.equal(longName.code, Code.InvalidArgument);
      assert.match(longName.rawMessage, /^name/);
    });

    it("counts members and open invitations against the plan's limit", async () => {
      const owner = await h.identity.signUpOwner(); // FREE: 3 members
      await h.identity.addMember(owner, MemberRole.AGENT);
      await owner.clients.tenants.inviteMember({
        tenantId: owner.tenantId,
        email: uniqueEmail(),
        role: MemberRole.AGENT,
      });
      const over = await rejection(
        owner.clients.tenants.inviteMember({
          tenantId: owner.tenantId,
          email: uniqueEmail(),
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(over.code, Code.ResourceExhausted);
      assert.match(over.rawMessage, /members limit reached/);
      assert.equal(errorInfoOf(over)?.reason, ErrorReason[ErrorReason.PLAN_LIMIT_REACHED]);
      assert.deepEqual(errorInfoOf(over)?.metadata, { limit: "members", max: "3" });
    });
  });

  describe("roles and removal", () => {
    it("changes roles and workspaces; owners only are managed by owners", async () => {
      const owner = await h.identity.signUpOwner();
      const admin = await h.identity.addMember(owner, MemberRole.ADMIN);
      const agent = await h.identity.addMember(owner, MemberRole.AGENT);
      const updated = await admin.clients.tenants.updateMemberRole({
        tenantId: owner.tenantId,
        userId: agent.userId,
        role: MemberRole.AGENT,
        workspaceIds: [owner.workspaceId],
      });
      assert.deepEqual(updated.member?.workspaceIds, [owner.workspaceId]);
      const promote = await rejection(
        admin.clients.tenants.updateMemberRole({
          tenantId: owner.tenantId,
          userId: agent.userId,
          role: MemberRole.OWNER,
        }),
      );
      assert.equal(promote.code, Code.PermissionDenied);
      const demoteOwner = await rejection(
        admin.clients.tenants.updateMemberRole({
          tenantId: owner.tenantId,
          userId: owner.userId,
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(demoteOwner.code, Code.PermissionDenied);
      const byAgent = await rejection(
        agent.clients.tenants.updateMemberRole({
          tenantId: owner.tenantId,
          userId: admin.userId,
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(byAgent.code, Code.PermissionDenied);
      const promoted = await owner.clients.tenants.updateMemberRole({
        tenantId: owner.tenantId,
        userId: admin.userId,
        role: MemberRole.OWNER,
      });
      assert.equal(promoted.member?.role, MemberRole.OWNER);
      await waitFor(
        () =>
          changes.some(
            (c) =>
              c.userId === admin.userId &&
              c.change === MemberChange.ROLE_CHANGED &&
              c.role === MemberRole.OWNER,
          ),
        { message: "MemberChanged ROLE_CHANGED" },
      );
      const unknown = await rejection(
        owner.clients.tenants.updateMemberRole({
          tenantId: owner.tenantId,
          userId: h.admin.userId,
          role: MemberRole.AGENT,
        }),
      );
      assert.equal(unknown.code, Code.NotFound);
    });

    it("never leaves a tenant without an owner", async () => {
      const owner = await h.identity.signUpOwner();
      // Nobody changes their own role (the last owner least of all).
      const demote = await rejection(
        owner.clients.tenants.updateMemberRole({
          tenantId: owner.tenantId,
          userId: owner.userId,
          role: MemberRole.ADMIN,
        }),
      );
      assert.equal(demote.code, Code.PermissionDenied);
      const remove = await rejection(
        owner.clients.tenants.removeMember({ tenantId: owner.tenantId, userId: owner.userId }),
      );
      assert.equal(remove.code, Code.FailedPrecondition);
      assert.equal(errorInfoOf(remove)?.reason, TenantReason[TenantReason.LAST_OWNER]);
      assert.equal(errorInfoOf(remove)?.domain, "atendo.tenant.v1");
      const [row] = await adminQuery<{ role: string }>(
        "select role from tenant.memberships where tenant_id = $1 and user_id = $2",
        [owner.tenantId, owner.userId],
      );
      assert.equal(row?.role, "OWNER");
      // With a second owner, the first may step down.
      const second = await h.identity.addMember(owner, MemberRole.OWNER);
      await second.clients.tenants.updateMemberRole({
        tenantId: owner.tenantId,
        userId: owner.userId,
        role: MemberRole.ADMIN,
      });
    });

    it("removes a member and ends their sessions", async () => {
      const owner = await h.identity.signUpOwner();
      const agent = await h.identity.addMember(owner, MemberRole.AGENT);
      await owner.clients.tenants.removeMember({ tenantId: owner.tenantId, userId: agent.userId });
      const refresh = await rejection(
        h.anonymous.auth.refreshToken({ refreshToken: agent.tokens.refreshToken }),
      );
      assert.equal(refresh.code, Code.Unauthenticated);
      const login = await rejection(
        h.anonymous.auth.login({ email: agent.email, password: agent.password }, fromNewIp()),
      );
      assert.equal(login.code, Code.PermissionDenied);
      // Their still-valid access token no longer finds a membership.
      assert.equal((await rejection(agent.clients.auth.getCurrentUser({}))).code, Code.PermissionDenied);
      await waitFor(
        () => changes.some((c) => c.userId === agent.userId && c.change === MemberChange.REMOVED),
        { message: "MemberChanged REMOVED" },
      );
      const gone = await rejection(
        owner.clients.tenants.removeMember({ tenantId: owner.tenantId, userId: agent.userId }),
      );
      assert.equal(gone.code, Code.NotFound);
    });
  });

  describe("ListMembers", () => {
    it("lists by name with filters and pages", async () => {
      const owner = await h.identity.signUpOwner();
      await h.identity.raiseLimits(owner.tenantId);
      const b = await h.identity.addMember(owner, MemberRole.AGENT, [owner.workspaceId], { name: "bruno" });
      const a = await h.identity.addMember(owner, MemberRole.ADMIN, [], { name: "Alice" });
      const c = await h.identity.addMember(owner, MemberRole.AGENT, [], { name: "Carla" });
      const names: string[] = [];
      let pageToken = "";
      do {
        const page = await owner.clients.tenants.listMembers({
          tenantId: owner.tenantId,
          pageSize: 2,
          pageToken,
        });
        names.push(...page.members.map((m) => m.name));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      assert.deepEqual(names, ["Alice", "bruno", "Carla", "Olivia Owner"]);
      const agents = await owner.clients.tenants.listMembers({
        tenantId: owner.tenantId,
        role: MemberRole.AGENT,
      });
      assert.deepEqual(
        agents.members.map((m) => m.userId),
        [b.userId, c.userId],
      );
      // Members who may use a workspace: those limited to it and those limited to none.
      const { workspace } = await owner.clients.tenants.createWorkspace({
        tenantId: owner.tenantId,
        name: "Other",
      });
      const inOther = await owner.clients.tenants.listMembers({
        tenantId: owner.tenantId,
        workspaceId: workspace?.id ?? "",
      });
      assert.deepEqual(
        inOther.members.map((m) => m.userId).sort(),
        [a.userId, c.userId, owner.userId].sort(),
      );
      const foreign = await rejection(owner.clients.tenants.listMembers({ tenantId: h.admin.tenantId }));
      assert.equal(foreign.code, Code.NotFound);
      const byAgent = await rejection(b.clients.tenants.listMembers({ tenantId: owner.tenantId }));
      assert.equal(byAgent.code, Code.PermissionDenied);
    });
  });
});
