import assert from "node:assert/strict";
import type { Consumer } from "@atendo/bus";
import {
  type Actor,
  ActorKind,
  ChannelType,
  EventVisibility,
  event as eventOption,
} from "@atendo/proto/common/v1";
import {
  ChannelCreatedSchema,
  ChannelStatus,
  ChannelStatusChangedSchema,
  ChannelUpdatedSchema,
  file_atendo_tenant_v1_tenant_events,
  MemberChange,
  MemberChangedSchema,
  MemberRole,
  Plan,
  TenantCreatedSchema,
  TenantUpdatedSchema,
  WorkspaceCreatedSchema,
} from "@atendo/proto/tenant/v1";
import { uniqueSlug, waitFor } from "@atendo/testing";
import { getOption, toBinary } from "@bufbuild/protobuf";
import { whatsappConfig } from "./support/fixtures.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const SCHEMAS = [
  TenantCreatedSchema,
  TenantUpdatedSchema,
  WorkspaceCreatedSchema,
  MemberChangedSchema,
  ChannelCreatedSchema,
  ChannelUpdatedSchema,
  ChannelStatusChangedSchema,
] as const;

type Enveloped = { $typeName: string; meta?: { tenantId: string; actor?: Actor } };

describe("events", () => {
  let h: TenantHarness;
  let consumer: Consumer;
  const received: Array<{ subject: string; bytes: Uint8Array; event: { $typeName: string } }> = [];

  before(async () => {
    h = await startTenantForTest();
    consumer = await h.bus.consume({
      durable: "tenant-events-spec",
      schema: SCHEMAS,
      handler: (event, ctx) => {
        const schema = SCHEMAS.find((s) => s.typeName === event.$typeName);
        assert.ok(schema);
        received.push({ subject: ctx.subject, event, bytes: toBinary(schema, event as never) });
      },
    });
  });
  after(async () => {
    await consumer?.stop();
    await h?.stop();
  });

  // The harness's own sign-up publishes events too: tests look at their tenant's only.
  const tenantOf = (event: unknown) => (event as { meta?: { tenantId: string } }).meta?.tenantId;
  const ofType = <T>(typeName: string, tenantId?: string) =>
    received
      .filter(
        (r) => r.event.$typeName === typeName && (tenantId === undefined || tenantOf(r.event) === tenantId),
      )
      .map((r) => r.event as unknown as T);

  it("publishes tenant, workspace and channel events after each change, without secrets", async () => {
    const headers = { "x-correlation-id": "events-spec-1" };
    const { tenant } = await h.tenants.createTenant(
      { name: "Evented", slug: uniqueSlug("ev"), plan: Plan.PRO },
      { headers },
    );
    const tenantId = tenant?.id ?? "";
    const { workspace } = await h.tenants.createWorkspace({ tenantId, name: "Main" }, { headers });
    const workspaceId = workspace?.id ?? "";
    const wa = whatsappConfig();
    const { channel } = await h.channels.createChannel(
      { workspaceId, name: "WA", config: { case: "whatsapp", value: wa } },
      { headers },
    );
    const channelId = channel?.id ?? "";
    const newToken = "EAAG-rotated-token-for-events";
    await h.channels.updateChannel(
      {
        workspaceId,
        channelId,
        updateMask: { paths: ["access_token", "name"] },
        accessToken: newToken,
        name: "WA 2",
      },
      { headers },
    );
    await h.channels.disableChannel({ workspaceId, channelId, reason: "closing" }, { headers });

    const mine = () => received.filter((r) => tenantOf(r.event) === tenantId);
    await waitFor(() => mine().length >= 5, { message: () => `5 events, got ${mine().length}` });

    const [created] = ofType<import("@atendo/proto/tenant/v1").TenantCreated>(
      TenantCreatedSchema.typeName,
      tenantId,
    );
    assert.equal(created?.tenant?.id, tenantId);
    assert.deepEqual(
      { tenant: created?.meta?.tenantId, ws: created?.meta?.workspaceId, corr: created?.meta?.correlationId },
      { tenant: tenantId, ws: "", corr: "events-spec-1" },
    );
    const [ws] = ofType<import("@atendo/proto/tenant/v1").WorkspaceCreated>(
      WorkspaceCreatedSchema.typeName,
      tenantId,
    );
    assert.equal(ws?.workspace?.id, workspaceId);
    assert.equal(ws?.meta?.workspaceId, workspaceId);

    const [chCreated] = ofType<import("@atendo/proto/tenant/v1").ChannelCreated>(
      ChannelCreatedSchema.typeName,
      tenantId,
    );
    assert.equal(chCreated?.channel?.id, channelId);
    assert.equal(chCreated?.meta?.tenantId, tenantId);
    assert.equal(chCreated?.meta?.workspaceId, workspaceId);

    const [updated] = ofType<import("@atendo/proto/tenant/v1").ChannelUpdated>(
      ChannelUpdatedSchema.typeName,
      tenantId,
    );
    assert.deepEqual(updated?.changedFields, ["access_token", "name"]);
    assert.equal(updated?.channel?.name, "WA 2");

    const [status] = ofType<import("@atendo/proto/tenant/v1").ChannelStatusChanged>(
      ChannelStatusChangedSchema.typeName,
      tenantId,
    );
    assert.deepEqual(
      {
        channelId: status?.channelId,
        type: status?.channelType,
        previous: status?.previousStatus,
        status: status?.status,
        reason: status?.reason,
      },
      {
        channelId,
        type: ChannelType.WHATSAPP,
        previous: ChannelStatus.ACTIVE,
        status: ChannelStatus.DISABLED,
        reason: "closing",
      },
    );
    assert.ok(received.every((r) => r.subject.startsWith(`${h.namespace}.atendo.tenant.v1.`)));

    // No event carries a secret, in any encoding of its bytes.
    const all = Buffer.concat(mine().map((r) => Buffer.from(r.bytes)));
    for (const secret of [wa.accessToken, wa.appSecret, wa.verifyToken, newToken]) {
      assert.ok(!all.includes(secret), "an event carries a channel secret");
    }
  });

  it("publishes no event when nothing changed", async () => {
    const { tenant } = await h.tenants.createTenant({ name: "Quiet", slug: uniqueSlug("q"), plan: Plan.PRO });
    const { workspace } = await h.tenants.createWorkspace({ tenantId: tenant?.id ?? "", name: "Main" });
    const workspaceId = workspace?.id ?? "";
    const { channel } = await h.channels.createChannel({
      workspaceId,
      name: "W",
      config: { case: "web", value: {} },
    });
    const channelId = channel?.id ?? "";
    await waitFor(
      () =>
        ofType<{ channel?: { id: string } }>(ChannelCreatedSchema.typeName).some(
          (e) => e.channel?.id === channelId,
        ),
      { message: "ChannelCreated of the web channel" },
    );
    const tenantId = tenant?.id ?? "";
    const mine = () => received.filter((r) => tenantOf(r.event) === tenantId);
    const before = mine().length;
    // Same name again, and enabling an active channel: no change, no event.
    await h.channels.updateChannel({ workspaceId, channelId, updateMask: { paths: ["name"] }, name: "W" });
    await h.channels.enableChannel({ workspaceId, channelId });
    // A marker change proves the stream delivered everything published before it.
    await h.channels.disableChannel({ workspaceId, channelId });
    await waitFor(() => mine().length > before, { message: "the marker event" });
    assert.deepEqual(
      mine()
        .slice(before)
        .map((r) => r.event.$typeName),
      [ChannelStatusChangedSchema.typeName],
    );
  });

  it("marks every event public or internal; the internal ones only feed Atendo's caches", () => {
    const visibility = Object.fromEntries(
      file_atendo_tenant_v1_tenant_events.messages
        .filter((m) => m.fields[0]?.name === "meta")
        .map((m) => [m.name, getOption(m, eventOption).visibility]),
    );
    assert.deepEqual(visibility, {
      TenantCreated: EventVisibility.PUBLIC,
      TenantUpdated: EventVisibility.PUBLIC,
      TenantSuspended: EventVisibility.INTERNAL,
      TenantReactivated: EventVisibility.INTERNAL,
      WorkspaceCreated: EventVisibility.PUBLIC,
      MemberChanged: EventVisibility.PUBLIC,
      ChannelCreated: EventVisibility.PUBLIC,
      ChannelUpdated: EventVisibility.PUBLIC,
      ChannelStatusChanged: EventVisibility.PUBLIC,
      ApiKeyRevoked: EventVisibility.INTERNAL,
    });
  });

  it("names who acted on every event: the user, the API key, the service, or the platform", async () => {
    const owner = await h.identity.signUpOwner();
    const { tenantId, workspaceId } = owner;
    const actorsOf = (typeName: string) =>
      received
        .map((r) => r.event as unknown as Enveloped)
        .filter((e) => e.$typeName === typeName && e.meta?.tenantId === tenantId)
        .map((e) => {
          const a = e.meta?.actor;
          return a === undefined ? undefined : { kind: a.kind, id: a.id, displayName: a.displayName };
        });
    const user = (id: string) => ({ kind: ActorKind.USER, id, displayName: "" });

    // Signed up: the new owner did it.
    const signedUp = [TenantCreatedSchema, WorkspaceCreatedSchema, MemberChangedSchema];
    await waitFor(() => signedUp.every((t) => actorsOf(t.typeName).length >= 1), {
      message: "the sign-up's events",
    });
    for (const type of [TenantCreatedSchema, WorkspaceCreatedSchema, MemberChangedSchema]) {
      assert.deepEqual(actorsOf(type.typeName), [user(owner.userId)], type.typeName);
    }
    // The owner connects a channel; an API key renames it; delivery finds its token refused.
    const { channel } = await owner.clients.channels.createChannel({
      workspaceId,
      name: "WA",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    const channelId = channel?.id ?? "";
    const key = await h.identity.createApiKey(owner, workspaceId, ["channels:write"]);
    await key.clients.channels.updateChannel({
      workspaceId,
      channelId,
      updateMask: { paths: ["name"] },
      name: "WA renamed",
    });
    await h.delivery.channelDirectory.setChannelStatus({
      tenantId,
      channelId,
      status: ChannelStatus.NEEDS_RECONNECT,
      reason: "WhatsApp error 190",
    });
    // A platform admin changes the plan; a member joins.
    await h.tenants.updateTenant({ tenantId, updateMask: { paths: ["plan"] }, plan: Plan.PRO });
    const member = await h.identity.addMember(owner, MemberRole.AGENT);

    const later = [
      ChannelCreatedSchema,
      ChannelUpdatedSchema,
      ChannelStatusChangedSchema,
      TenantUpdatedSchema,
    ];
    await waitFor(
      () =>
        actorsOf(MemberChangedSchema.typeName).length >= 2 &&
        later.every((t) => actorsOf(t.typeName).length >= 1),
      { message: "every event of the changes" },
    );
    assert.deepEqual(actorsOf(ChannelCreatedSchema.typeName), [user(owner.userId)]);
    assert.deepEqual(actorsOf(ChannelUpdatedSchema.typeName), [
      { kind: ActorKind.API_KEY, id: key.id, displayName: "" },
    ]);
    assert.deepEqual(actorsOf(ChannelStatusChangedSchema.typeName), [
      { kind: ActorKind.SYSTEM, id: "", displayName: "service:delivery" },
    ]);
    // The platform admin is not one of the tenant's users: their id is not the tenant's to see.
    assert.deepEqual(actorsOf(TenantUpdatedSchema.typeName), [
      { kind: ActorKind.PLATFORM_ADMIN, id: "", displayName: "" },
    ]);
    const added = received
      .map(
        (r) =>
          r.event as unknown as {
            $typeName: string;
            change?: MemberChange;
            member?: { userId: string };
          } & Enveloped,
      )
      .filter((e) => e.$typeName === MemberChangedSchema.typeName && e.member?.userId === member.userId);
    assert.equal(added.length, 1);
    assert.equal(added[0]?.change, MemberChange.ADDED);
    assert.deepEqual(added[0]?.meta?.actor?.id, member.userId);
  });
});
