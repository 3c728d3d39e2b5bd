import assert from "node:assert/strict";
import type { Consumer } from "@atendo/bus";
import { ErrorReason } from "@atendo/proto/common/v1";
import {
  MemberRole,
  Plan,
  TenantReactivatedSchema,
  TenantStatus,
  TenantSuspendedSchema,
  TenantUpdatedSchema,
} from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { type TenantClients, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { fromNewIp, startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const SCHEMAS = [TenantSuspendedSchema, TenantReactivatedSchema, TenantUpdatedSchema] as const;

describe("tenant settings, suspension and workspaces", () => {
  let h: TenantHarness;
  let ingress: TenantClients;
  let consumer: Consumer;
  const events: Array<{ type: string; tenantId: string; detail: string }> = [];

  before(async () => {
    h = await startTenantForTest();
    ingress = await h.asService("ingress");
    consumer = await h.bus.consume({
      durable: "tenant-admin-spec",
      schema: SCHEMAS,
      handler: (e) => {
        const detail =
          e.$typeName === TenantSuspendedSchema.typeName
            ? e.reason
            : e.$typeName === TenantUpdatedSchema.typeName
              ? e.changedFields.join(",")
              : "";
        events.push({ type: e.$typeName, tenantId: e.meta?.tenantId ?? "", detail });
      },
    });
  });
  after(async () => {
    await consumer?.stop();
    await h?.stop();
  });

  const eventsOf = (tenantId: string) => events.filter((e) => e.tenantId === tenantId);

  it("suspends and reactivates a tenant (platform admins), with events and their effects", async () => {
    const owner = await h.identity.signUpOwner();
    const { channel } = await owner.clients.channels.createChannel({
      workspaceId: owner.workspaceId,
      name: "WA",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    const key = { case: "channelId" as const, value: channel?.id ?? "" };
    const { secret } = await owner.clients.apiKeys.createApiKey({
      workspaceId: owner.workspaceId,
      name: "k",
      scopes: ["channels:read"],
    });
    const byOwner = await rejection(
      owner.clients.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "x" }),
    );
    assert.equal(byOwner.code, Code.PermissionDenied);

    const suspended = await h.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "unpaid invoices" });
    assert.deepEqual(
      [suspended.tenant?.status, suspended.tenant?.statusReason],
      [TenantStatus.SUSPENDED, "unpaid invoices"],
    );
    assert.equal((await h.delivery.channelDirectory.resolveChannel({ key })).tenantSuspended, true);
    const login = await rejection(
      h.anonymous.auth.login({ email: owner.email, password: owner.password }, fromNewIp()),
    );
    assert.equal(login.code, Code.PermissionDenied);
    assert.equal(errorInfoOf(login)?.reason, ErrorReason[ErrorReason.TENANT_SUSPENDED]);
    const refresh = await rejection(
      h.anonymous.auth.refreshToken({ refreshToken: owner.tokens.refreshToken }),
    );
    assert.equal(refresh.code, Code.PermissionDenied);
    assert.equal(errorInfoOf(refresh)?.reason, ErrorReason[ErrorReason.TENANT_SUSPENDED]);
    assert.equal(
      (await rejection(ingress.tokens.introspectApiKey({ apiKey: secret }))).code,
      Code.Unauthenticated,
    );
    // Suspending again changes nothing and publishes nothing.
    await h.tenants.suspendTenant({ tenantId: owner.tenantId, reason: "unpaid invoices" });

    const reactivated = await h.tenants.reactivateTenant({ tenantId: owner.tenantId });
    assert.deepEqual(
      [reactivated.tenant?.status, reactivated.tenant?.statusReason],
      [TenantStatus.ACTIVE, ""],
    );
    assert.equal((await h.delivery.channelDirectory.resolveChannel({ key })).tenantSuspended, false);
    assert.ok(
      (await h.anonymous.auth.login({ email: owner.email, password: owner.password }, fromNewIp())).tokens,
    );
    assert.equal(
      (await ingress.tokens.introspectApiKey({ apiKey: secret })).principal?.tenantId,
      owner.tenantId,
    );

    await waitFor(() => eventsOf(owner.tenantId).length >= 2, { message: "suspension events" });
    assert.deepEqual(
      eventsOf(owner.tenantId).map((e) => [e.type, e.detail]),
      [
        [TenantSuspendedSchema.typeName, "unpaid invoices"],
        [TenantReactivatedSchema.typeName, ""],
      ],
    );
  });

  it("lets owners rename their tenant and platform admins change its plan", async () => {
    const owner = await h.identity.signUpOwner();
    const admin = await h.identity.addMember(owner, MemberRole.ADMIN);
    const renamed = await owner.clients.tenants.updateTenant({
      tenantId: owner.tenantId,
      updateMask: { paths: ["name"] },
      name: " Renamed ",
    });
    assert.equal(renamed.tenant?.name, "Renamed");
    const byAdmin = await rejection(
      admin.clients.tenants.updateTenant({
        tenantId: owner.tenantId,
        updateMask: { paths: ["name"] },
        name: "No",
      }),
    );
    assert.equal(byAdmin.code, Code.PermissionDenied);
    const planByOwner = await rejection(
      owner.clients.tenants.updateTenant({
        tenantId: owner.tenantId,
        updateMask: { paths: ["plan"] },
        plan: Plan.PRO,
      }),
    );
    assert.equal(planByOwner.code, Code.PermissionDenied);
    const pro = await h.tenants.updateTenant({
      tenantId: owner.tenantId,
      updateMask: { paths: ["plan"] },
      plan: Plan.PRO,
    });
    assert.deepEqual([pro.tenant?.plan, pro.tenant?.limits?.workspaces], [Plan.PRO, 10]);
    const blank = await rejection(
      owner.clients.tenants.updateTenant({
        tenantId: owner.tenantId,
        updateMask: { paths: ["name"] },
        name: "",
      }),
    );
    assert.equal(blank.code, Code.InvalidArgument);
    assert.match(blank.rawMessage, /name/);
    const foreign = await rejection(
      owner.clients.tenants.updateTenant({
        tenantId: h.admin.tenantId,
        updateMask: { paths: ["name"] },
        name: "Mine",
      }),
    );
    assert.equal(foreign.code, Code.NotFound);
    await waitFor(() => eventsOf(owner.tenantId).length >= 2, { message: "TenantUpdated events" });
    assert.deepEqual(
      eventsOf(owner.tenantId).map((e) => [e.type, e.detail]),
      [
        [TenantUpdatedSchema.typeName, "name"],
        [TenantUpdatedSchema.typeName, "plan"],
      ],
    );
  });

  it("updates workspaces (admins) and shows members only their workspaces", async () => {
    const owner = await h.identity.signUpOwner();
    await h.identity.raiseLimits(owner.tenantId);
    const { workspace: second } = await owner.clients.tenants.createWorkspace({
      tenantId: owner.tenantId,
      name: "Second",
    });
    const secondId = second?.id ?? "";
    const agent = await h.identity.addMember(owner, MemberRole.AGENT, [secondId]);
    const updated = await owner.clients.tenants.updateWorkspace({
      workspaceId: secondId,
      updateMask: { paths: ["name", "time_zone", "default_language"] },
      name: "Renamed",
      timeZone: "europe/lisbon",
      defaultLanguage: "pt-br",
    });
    assert.deepEqual(
      [updated.workspace?.name, updated.workspace?.timeZone, updated.workspace?.defaultLanguage],
      ["Renamed", "Europe/Lisbon", "pt-BR"],
    );
    const taken = await rejection(
      owner.clients.tenants.updateWorkspace({
        workspaceId: secondId,
        updateMask: { paths: ["name"] },
        name: "main",
      }),
    );
    assert.equal(taken.code, Code.AlreadyExists);
    const byAgent = await rejection(
      agent.clients.tenants.updateWorkspace({
        workspaceId: secondId,
        updateMask: { paths: ["name"] },
        name: "X",
      }),
    );
    assert.equal(byAgent.code, Code.PermissionDenied);
    const listed = await agent.clients.tenants.listWorkspaces({ tenantId: owner.tenantId });
    assert.deepEqual(
      listed.workspaces.map((w) => w.id),
      [secondId],
    );
    const other = await rejection(agent.clients.tenants.getWorkspace({ workspaceId: owner.workspaceId }));
    assert.equal(other.code, Code.PermissionDenied);
    const foreign = await rejection(owner.clients.tenants.getWorkspace({ workspaceId: h.admin.tenantId }));
    assert.equal(foreign.code, Code.NotFound);
    assert.equal(
      (await agent.clients.tenants.getTenant({ tenantId: owner.tenantId })).tenant?.id,
      owner.tenantId,
    );
  });
});
