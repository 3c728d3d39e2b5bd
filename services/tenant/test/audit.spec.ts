import assert from "node:assert/strict";
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { AuditRecordedSchema } from "@atendo/proto/audit/v1";
import { ActorKind, type AuditEntry } from "@atendo/proto/common/v1";
import { MemberRole } from "@atendo/proto/tenant/v1";
import { adminQuery, uniqueEmail, waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

describe("audit log", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest();
  });
  after(async () => {
    await h?.stop();
  });

  const parse = (summary: string): Record<string, unknown> =>
    summary === "" ? {} : (JSON.parse(summary) as Record<string, unknown>);

  it("records every kind of change with its actor and before/after summaries, never a secret", async () => {
    const owner = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
    const { workspace } = await owner.clients.tenants.createWorkspace({
      tenantId: owner.tenantId,
      name: "Two",
    });
    const workspaceId = workspace?.id ?? "";
    await owner.clients.tenants.updateWorkspace({
      workspaceId,
      updateMask: { paths: ["name"] },
      name: "Deux",
    });
    const agent = await h.identity.addMember(owner, MemberRole.AGENT);
    await owner.clients.tenants.updateMemberRole({
      tenantId: owner.tenantId,
      userId: agent.userId,
      role: MemberRole.ADMIN,
    });
    await owner.clients.tenants.removeMember({ tenantId: owner.tenantId, userId: agent.userId });
    const { apiKey, secret } = await owner.clients.apiKeys.createApiKey({
      workspaceId,
      name: "Audited",
      scopes: ["channels:read"],
    });
    await owner.clients.apiKeys.revokeApiKey({ workspaceId, apiKeyId: apiKey?.id ?? "" });
    const wa = whatsappConfig();
    const { channel } = await owner.clients.channels.createChannel({
      workspaceId,
      name: "WA",
      config: { case: "whatsapp", value: wa },
    });
    const channelId = channel?.id ?? "";
    const newToken = "EAAG-new-token-that-must-not-be-logged";
    await owner.clients.channels.updateChannel({
      workspaceId,
      channelId,
      updateMask: { paths: ["access_token"] },
      accessToken: newToken,
    });
    await owner.clients.channels.disableChannel({ workspaceId, channelId, reason: "pause" });
    await owner.clients.channels.enableChannel({ workspaceId, channelId });
    await h.delivery.channelDirectory.setChannelStatus({
      tenantId: owner.tenantId,
      channelId,
      status: 2,
      reason: "token expired",
    });
    await owner.clients.tenants.updateTenant({
      tenantId: owner.tenantId,
      updateMask: { paths: ["name"] },
      name: "New name",
    });
    await h.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "check" });
    await h.tenants.reactivateTenant({ tenantId: owner.tenantId });

    const entries: AuditEntry[] = [];
    let pageToken = "";
    do {
      const page = await owner.clients.tenants.listAuditLog({
        tenantId: owner.tenantId,
        pageSize: 7,
        pageToken,
      });
      entries.push(...page.entries);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    // Newest first.
    assert.deepEqual(entries.map((e) => e.action).reverse(), [
      "tenant.create",
      "workspace.create",
      "member.add",
      "tenant.update",
      "workspace.create",
      "workspace.update",
      "invitation.create",
      "member.add",
      "member.role_update",
      "member.remove",
      "api_key.create",
      "api_key.revoke",
      "channel.create",
      "channel.update",
      "channel.disable",
      "channel.enable",
      "channel.status_change",
      "tenant.update",
      "tenant.suspend",
      "tenant.reactivate",
    ]);
    const one = (action: string) => {
      const found = entries.filter((e) => e.action === action);
      assert.equal(found.length === 0 ? undefined : found[0]?.action, action);
      return found[0] as AuditEntry;
    };
    const role = one("member.role_update");
    assert.deepEqual(
      [role.actor?.kind, role.actor?.id, role.actor?.displayName, role.targetType, role.targetId],
      [ActorKind.USER, owner.userId, owner.email, "member", agent.userId],
    );
    assert.deepEqual([parse(role.beforeSummary).role, parse(role.afterSummary).role], ["AGENT", "ADMIN"]);
    assert.equal(one("member.remove").afterSummary, "");
    assert.equal(one("workspace.update").workspaceId, workspaceId);
    assert.deepEqual(
      [parse(one("workspace.update").beforeSummary).name, parse(one("workspace.update").afterSummary).name],
      ["Two", "Deux"],
    );
    assert.equal(parse(one("api_key.revoke").beforeSummary).revoked_at, null);
    assert.ok(parse(one("api_key.revoke").afterSummary).revoked_at);
    const update = one("channel.update");
    const before = parse(update.beforeSummary).config as Record<string, string>;
    const after = parse(update.afterSummary).config as Record<string, string>;
    assert.deepEqual(
      [before.access_token_hint, after.access_token_hint, parse(update.afterSummary).changed_fields],
      [wa.accessToken.slice(-4), newToken.slice(-4), ["access_token"]],
    );
    const status = one("channel.status_change");
    assert.deepEqual([status.actor?.kind, status.actor?.displayName], [ActorKind.SYSTEM, "service:delivery"]);
    const suspend = one("tenant.suspend");
    assert.deepEqual([suspend.actor?.kind, suspend.actor?.id], [ActorKind.PLATFORM_ADMIN, h.admin.userId]);
    assert.deepEqual(
      [parse(suspend.beforeSummary).status, parse(suspend.afterSummary).status],
      ["ACTIVE", "SUSPENDED"],
    );
    assert.ok(entries.every((e) => e.correlationId !== "" && e.tenantId === owner.tenantId));

    // No secret anywhere in the stored rows.
    const dump = JSON.stringify(
      await adminQuery("select * from tenant.audit_log where tenant_id = $1", [owner.tenantId]),
    );
    for (const value of [
      wa.accessToken,
      wa.appSecret,
      wa.verifyToken,
      newToken,
      secret,
      owner.password,
      agent.password,
    ]) {
      assert.ok(!dump.includes(value), "the audit log holds a secret");
    }
  });

  it("filters by action prefix, target, actor, workspace and time, for admins of the tenant only", async () => {
    const owner = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
    const admin = await h.identity.addMember(owner, MemberRole.ADMIN);
    const agent = await h.identity.addMember(owner, MemberRole.AGENT);
    const { channel } = await admin.clients.channels.createChannel({
      workspaceId: owner.workspaceId,
      name: "Web",
      config: { case: "web", value: {} },
    });
    const channelId = channel?.id ?? "";
    await admin.clients.channels.disableChannel({ workspaceId: owner.workspaceId, channelId });
    await owner.clients.tenants.inviteMember({
      tenantId: owner.tenantId,
      email: uniqueEmail(),
      role: MemberRole.AGENT,
    });

    const list = (filters: Record<string, unknown>) =>
      admin.clients.tenants
        .listAuditLog({ tenantId: owner.tenantId, ...filters })
        .then((r) => r.entries.map((e) => e.action));
    assert.deepEqual(await list({ action: "channel." }), ["channel.disable", "channel.create"]);
    assert.deepEqual(await list({ action: "channel.create" }), ["channel.create"]);
    assert.deepEqual(await list({ targetId: channelId }), ["channel.disable", "channel.create"]);
    // The admin joined (their own member.add), then worked on the channel.
    assert.deepEqual(await list({ actorId: admin.userId }), [
      "channel.disable",
      "channel.create",
      "member.add",
    ]);
    assert.deepEqual(await list({ workspaceId: owner.workspaceId, action: "channel." }), [
      "channel.disable",
      "channel.create",
    ]);
    const future = timestampFromDate(new Date(Date.now() + 3_600_000));
    assert.deepEqual(await list({ timeRange: { startTime: future } }), []);
    assert.ok((await list({ timeRange: { endTime: future } })).length >= 6);
    const badAction = await rejection(list({ action: "Channel Create" }));
    assert.equal(badAction.code, Code.InvalidArgument);
    assert.match(badAction.rawMessage, /^action/);

    assert.equal(
      (await rejection(agent.clients.tenants.listAuditLog({ tenantId: owner.tenantId }))).code,
      Code.PermissionDenied,
    );
    assert.equal(
      (await rejection(admin.clients.tenants.listAuditLog({ tenantId: h.admin.tenantId }))).code,
      Code.NotFound,
    );
  });

  it("stores the assistant service's AuditRecorded entries once", async () => {
    const owner = await h.identity.signUpOwner();
    const entryId = newId();
    const assistantId = newId();
    const event = create(AuditRecordedSchema, {
      meta: newEventMeta({
        tenantId: owner.tenantId,
        workspaceId: owner.workspaceId,
        correlationId: "corr-assistant",
      }),
      entry: {
        id: entryId,
        tenantId: owner.tenantId,
        workspaceId: owner.workspaceId,
        actor: { kind: ActorKind.USER, id: owner.userId, displayName: owner.email },
        action: "assistant.update",
        targetType: "assistant",
        targetId: assistantId,
        beforeSummary: JSON.stringify({ name: "Old" }),
        afterSummary: JSON.stringify({ name: "New" }),
        occurredAt: timestampFromDate(new Date("2026-03-01T10:00:00Z")),
      },
    });
    // The same event twice, past JetStream's de-duplication (another msgID): the inbox keeps it once.
    await h.bus.publish(AuditRecordedSchema, event, { msgId: `${event.meta?.eventId}-a` });
    await h.bus.publish(AuditRecordedSchema, event, { msgId: `${event.meta?.eventId}-b` });
    await waitFor(
      () => h.logs.some((l) => l.includes(event.meta?.eventId ?? "?") && l.includes("already stored")),
      { message: "the second delivery to be handled" },
    );
    const rows = await adminQuery<{ id: string; occurred_at: Date; correlation_id: string }>(
      "select id, occurred_at, correlation_id from tenant.audit_log where target_id = $1",
      [assistantId],
    );
    assert.deepEqual(rows, [
      { id: entryId, occurred_at: new Date("2026-03-01T10:00:00Z"), correlation_id: "corr-assistant" },
    ]);
    const listed = await owner.clients.tenants.listAuditLog({
      tenantId: owner.tenantId,
      targetId: assistantId,
    });
    assert.deepEqual(
      listed.entries.map((e) => [
        e.action,
        e.actor?.id,
        parse(e.beforeSummary).name,
        parse(e.afterSummary).name,
      ]),
      [["assistant.update", owner.userId, "Old", "New"]],
    );
  });
});
