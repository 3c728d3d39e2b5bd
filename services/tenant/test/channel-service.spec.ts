import assert from "node:assert/strict";
import { ChannelType, ErrorReason } from "@atendo/proto/common/v1";
import { ChannelStatus, GetChannelResponseSchema, Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, connectErrorOf } from "@atendo/testing";
import { toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { instagramConfig, tenantWithWorkspace, whatsappConfig } from "./support/fixtures.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

const UNKNOWN = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

describe("ChannelService", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ GRAPH_API_VERSION: "v99.0" });
  });
  after(async () => {
    await h?.stop();
  });

  describe("CreateChannel / GetChannel", () => {
    it("connects a WhatsApp number and shows only hints of its secrets", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h);
      const wa = whatsappConfig({ graphApiBaseUrl: "http://127.0.0.1:7190/" });
      const { channel, webIdentitySecret } = await h.channels.createChannel({
        workspaceId,
        name: "Support line",
        config: { case: "whatsapp", value: wa },
      });
      assert.ok(channel);
      assert.equal(webIdentitySecret, "");
      assert.equal(channel.tenantId, tenantId);
      assert.equal(channel.type, ChannelType.WHATSAPP);
      assert.equal(channel.status, ChannelStatus.ACTIVE);
      assert.equal(channel.config.case, "whatsapp");
      const view = channel.config.value;
      assert.equal(view?.phoneNumberId, wa.phoneNumberId);
      assert.equal(view?.graphApiBaseUrl, "http://127.0.0.1:7190");
      assert.equal(view?.accessTokenHint, wa.accessToken.slice(-4));
      assert.equal(view?.appSecretHint, wa.appSecret.slice(-4));
      assert.equal(view?.webhookPath, `/webhooks/whatsapp/${channel.id}`);

      const got = await h.channels.getChannel({ workspaceId, channelId: channel.id });
      const text = toJsonString(GetChannelResponseSchema, got);
      for (const secret of [wa.accessToken, wa.appSecret, wa.verifyToken]) assert.ok(!text.includes(secret));
      assert.equal(got.channel?.name, "Support line");
    });

    it("creates a web channel with a generated site key and returns its identity secret once", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const { channel, webIdentitySecret } = await h.channels.createChannel({
        workspaceId,
        name: "Site",
        config: {
          case: "web",
          value: { allowedOrigins: ["https://shop.example.com"], identityVerification: true },
        },
      });
      assert.equal(channel?.config.case, "web");
      const web = channel?.config.case === "web" ? channel.config.value : undefined;
      assert.match(web?.siteKey ?? "", /^pk_[A-Za-z0-9]{16,64}$/);
      assert.deepEqual(web?.allowedOrigins, ["https://shop.example.com"]);
      assert.ok(webIdentitySecret.length >= 32);
      assert.equal(web?.identitySecretHint, webIdentitySecret.slice(-4));
      const got = await h.channels.getChannel({ workspaceId, channelId: channel?.id ?? "" });
      assert.ok(!toJsonString(GetChannelResponseSchema, got).includes(webIdentitySecret));
    });

    it("answers already_exists for a phone_number_id another live channel of the tenant uses", async () => {
      const a = await tenantWithWorkspace(h);
      const wa = whatsappConfig();
      await h.channels.createChannel({
        workspaceId: a.workspaceId,
        name: "A",
        config: { case: "whatsapp", value: wa },
      });
      const err = await connectErrorOf(
        h.channels.createChannel({
          workspaceId: a.workspaceId,
          name: "B",
          config: { case: "whatsapp", value: { ...wa, accessToken: "another-token-123456" } },
        }),
      );
      assert.equal(err.code, Code.AlreadyExists);
      assert.match(err.rawMessage, /phone_number_id/);
      const rows = await adminQuery(
        "select 1 from tenant.channels where tenant_id = $1 and config->>'phone_number_id' = $2",
        [a.tenantId, wa.phoneNumberId],
      );
      assert.equal(rows.length, 1);
    });

    it("lets another tenant connect the same phone_number_id, revealing nothing about the first", async () => {
      const a = await tenantWithWorkspace(h);
      const b = await tenantWithWorkspace(h);
      const wa = whatsappConfig();
      const first = await h.channels.createChannel({
        workspaceId: a.workspaceId,
        name: "A",
        config: { case: "whatsapp", value: wa },
      });
      const second = await h.channels.createChannel({
        workspaceId: b.workspaceId,
        name: "B",
        config: { case: "whatsapp", value: { ...wa, accessToken: "another-token-123456" } },
      });
      assert.notEqual(first.channel?.id, second.channel?.id);
      assert.equal(second.channel?.tenantId, b.tenantId);
    });

    it("answers already_exists for a channel name taken in the workspace", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      await h.channels.createChannel({ workspaceId, name: "Web", config: { case: "web", value: {} } });
      const err = await connectErrorOf(
        h.channels.createChannel({ workspaceId, name: "web ", config: { case: "web", value: {} } }),
      );
      assert.equal(err.code, Code.AlreadyExists);
    });

    it("answers invalid_argument naming the field", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const noConfig = await connectErrorOf(h.channels.createChannel({ workspaceId, name: "X" }));
      assert.equal(noConfig.code, Code.InvalidArgument);
      assert.match(noConfig.rawMessage, /config/);

      const badNumber = await connectErrorOf(
        h.channels.createChannel({
          workspaceId,
          name: "X",
          config: { case: "whatsapp", value: whatsappConfig({ phoneNumberId: "+1555" }) },
        }),
      );
      assert.equal(badNumber.code, Code.InvalidArgument);
      assert.match(badNumber.rawMessage, /whatsapp\.phone_number_id/);

      const badOrigin = await connectErrorOf(
        h.channels.createChannel({
          workspaceId,
          name: "X",
          config: { case: "web", value: { allowedOrigins: ["https://shop.example.com/path"] } },
        }),
      );
      assert.equal(badOrigin.code, Code.InvalidArgument);
      assert.match(badOrigin.rawMessage, /^web\.allowed_origins\[0\]: /);

      const badBase = await connectErrorOf(
        h.channels.createChannel({
          workspaceId,
          name: "X",
          config: { case: "whatsapp", value: whatsappConfig({ graphApiBaseUrl: "ftp://graph.example.com" }) },
        }),
      );
      assert.equal(badBase.code, Code.InvalidArgument);
      assert.match(badBase.rawMessage, /^whatsapp\.graph_api_base_url: /);
    });

    it("enforces the plan's channel limit over all workspaces", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h, Plan.FREE);
      for (let i = 0; i < 3; i++) {
        await h.channels.createChannel({ workspaceId, name: `Web ${i}`, config: { case: "web", value: {} } });
      }
      const err = await connectErrorOf(
        h.channels.createChannel({ workspaceId, name: "One more", config: { case: "web", value: {} } }),
      );
      assert.equal(err.code, Code.ResourceExhausted);
      assert.match(err.rawMessage, /channels limit reached/);
      assert.equal(errorInfoOf(err)?.reason, ErrorReason[ErrorReason.PLAN_LIMIT_REACHED]);
      assert.deepEqual(errorInfoOf(err)?.metadata, { limit: "channels", max: "3" });
      assert.equal(
        (await adminQuery("select 1 from tenant.channels where tenant_id = $1", [tenantId])).length,
        3,
      );
    });

    it("holds the limit under concurrent creates", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h, Plan.FREE);
      for (let i = 0; i < 2; i++) {
        await h.channels.createChannel({ workspaceId, name: `Web ${i}`, config: { case: "web", value: {} } });
      }
      const results = await Promise.allSettled(
        [0, 1, 2, 3].map((i) =>
          h.channels.createChannel({ workspaceId, name: `Race ${i}`, config: { case: "web", value: {} } }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      assert.equal(
        (await adminQuery("select 1 from tenant.channels where tenant_id = $1", [tenantId])).length,
        3,
      );
    });

    it("answers not_found for unknown workspaces and channels", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      assert.equal(
        (await connectErrorOf(h.channels.getChannel({ workspaceId, channelId: UNKNOWN }))).code,
        Code.NotFound,
      );
      assert.equal(
        (
          await connectErrorOf(
            h.channels.createChannel({ workspaceId: UNKNOWN, name: "X", config: { case: "web", value: {} } }),
          )
        ).code,
        Code.NotFound,
      );
      // A channel of another workspace is not found through this one.
      const other = await tenantWithWorkspace(h);
      const { channel } = await h.channels.createChannel({
        workspaceId: other.workspaceId,
        name: "Other",
        config: { case: "web", value: {} },
      });
      assert.equal(
        (await connectErrorOf(h.channels.getChannel({ workspaceId, channelId: channel?.id ?? "" }))).code,
        Code.NotFound,
      );
    });
  });

  describe("ListChannels", () => {
    it("pages oldest first and filters by type and status", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const ids: string[] = [];
      for (const [i, config] of [
        { case: "web" as const, value: {} },
        { case: "whatsapp" as const, value: whatsappConfig() },
        { case: "instagram" as const, value: instagramConfig() },
        { case: "web" as const, value: {} },
      ].entries()) {
        const { channel } = await h.channels.createChannel({ workspaceId, name: `C${i}`, config });
        ids.push(channel?.id ?? "");
      }
      const seen: string[] = [];
      let pageToken = "";
      do {
        const res = await h.channels.listChannels({ workspaceId, pageSize: 3, pageToken });
        seen.push(...res.channels.map((c) => c.id));
        pageToken = res.nextPageToken;
      } while (pageToken !== "");
      assert.deepEqual(seen, ids);

      const webs = await h.channels.listChannels({ workspaceId, type: ChannelType.WEB });
      assert.deepEqual(
        webs.channels.map((c) => c.id),
        [ids[0], ids[3]],
      );
      await h.channels.disableChannel({ workspaceId, channelId: ids[1] ?? "", reason: "paused" });
      const disabled = await h.channels.listChannels({ workspaceId, status: ChannelStatus.DISABLED });
      assert.deepEqual(
        disabled.channels.map((c) => c.id),
        [ids[1]],
      );
    });
  });

  describe("UpdateChannel", () => {
    it("changes settings and secrets, and makes a channel that needed reconnecting active", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h);
      const wa = whatsappConfig();
      const { channel } = await h.channels.createChannel({
        workspaceId,
        name: "WA",
        config: { case: "whatsapp", value: wa },
      });
      const channelId = channel?.id ?? "";
      await h.delivery.channelDirectory.setChannelStatus({
        tenantId,
        channelId,
        status: ChannelStatus.NEEDS_RECONNECT,
        reason: "WhatsApp error 190: access token expired",
      });
      const newToken = "EAAG-renewed-token-0042";
      const res = await h.channels.updateChannel({
        workspaceId,
        channelId,
        updateMask: { paths: ["access_token", "display_phone_number", "name"] },
        accessToken: newToken,
        displayPhoneNumber: "+1 555 0199",
        name: "WA renamed",
      });
      assert.equal(res.channel?.status, ChannelStatus.ACTIVE);
      assert.equal(res.channel?.statusReason, "");
      assert.equal(res.channel?.name, "WA renamed");
      const view = res.channel?.config.case === "whatsapp" ? res.channel.config.value : undefined;
      assert.equal(view?.displayPhoneNumber, "+1 555 0199");
      assert.equal(view?.accessTokenHint, "0042");

      const resolved = await h.delivery.channelDirectory.resolveChannel({
        key: { case: "channelId", value: channelId },
      });
      const creds = resolved.credentials.case === "whatsapp" ? resolved.credentials.value : undefined;
      assert.equal(creds?.accessToken, newToken);
      assert.equal(creds?.appSecret, wa.appSecret);
    });

    it("rejects paths that do not apply to the channel's type", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const { channel } = await h.channels.createChannel({
        workspaceId,
        name: "W",
        config: { case: "web", value: {} },
      });
      const err = await connectErrorOf(
        h.channels.updateChannel({
          workspaceId,
          channelId: channel?.id ?? "",
          updateMask: { paths: ["access_token"] },
          accessToken: "abc-token-1234567",
        }),
      );
      assert.equal(err.code, Code.InvalidArgument);
      assert.match(err.rawMessage, /^update_mask: "access_token" does not apply to a WEB channel/);

      const empty = await connectErrorOf(
        h.channels.updateChannel({ workspaceId, channelId: channel?.id ?? "", updateMask: { paths: [] } }),
      );
      assert.equal(empty.code, Code.InvalidArgument);
      assert.match(empty.rawMessage, /update_mask/);
    });
  });

  describe("status", () => {
    it("disables and enables a channel", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const { channel } = await h.channels.createChannel({
        workspaceId,
        name: "W",
        config: { case: "web", value: {} },
      });
      const channelId = channel?.id ?? "";
      const disabled = await h.channels.disableChannel({ workspaceId, channelId, reason: "holidays" });
      assert.equal(disabled.channel?.status, ChannelStatus.DISABLED);
      assert.equal(disabled.channel?.statusReason, "holidays");
      const enabled = await h.channels.enableChannel({ workspaceId, channelId });
      assert.equal(enabled.channel?.status, ChannelStatus.ACTIVE);
      assert.equal(enabled.channel?.statusReason, "");
      const rows = await adminQuery<{ status: string }>("select status from tenant.channels where id = $1", [
        channelId,
      ]);
      assert.deepEqual(rows, [{ status: "ACTIVE" }]);
    });

    it("lets a number move to a new channel once the old one is disabled, not back", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const wa = whatsappConfig();
      const old = await h.channels.createChannel({
        workspaceId,
        name: "Old",
        config: { case: "whatsapp", value: wa },
      });
      await h.channels.disableChannel({ workspaceId, channelId: old.channel?.id ?? "", reason: "moving" });
      await h.channels.createChannel({ workspaceId, name: "New", config: { case: "whatsapp", value: wa } });
      const err = await connectErrorOf(
        h.channels.enableChannel({ workspaceId, channelId: old.channel?.id ?? "" }),
      );
      assert.equal(err.code, Code.FailedPrecondition);
      assert.match(err.rawMessage, /phone_number_id/);
    });

    it("keeps a disabled channel disabled when a service reports a broken token", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h);
      const { channel } = await h.channels.createChannel({
        workspaceId,
        name: "WA",
        config: { case: "whatsapp", value: whatsappConfig() },
      });
      const channelId = channel?.id ?? "";
      await h.channels.disableChannel({ workspaceId, channelId });
      const err = await connectErrorOf(
        h.delivery.channelDirectory.setChannelStatus({
          tenantId,
          channelId,
          status: ChannelStatus.NEEDS_RECONNECT,
          reason: "190",
        }),
      );
      assert.equal(err.code, Code.FailedPrecondition);

      const noReason = await connectErrorOf(
        h.delivery.channelDirectory.setChannelStatus({
          tenantId,
          channelId,
          status: ChannelStatus.NEEDS_RECONNECT,
        }),
      );
      assert.equal(noReason.code, Code.InvalidArgument);

      const otherTenant = await tenantWithWorkspace(h);
      const foreign = await connectErrorOf(
        h.delivery.channelDirectory.setChannelStatus({
          tenantId: otherTenant.tenantId,
          channelId,
          status: ChannelStatus.ACTIVE,
        }),
      );
      assert.equal(foreign.code, Code.NotFound);
    });
  });

  describe("ResolveChannel", () => {
    it("resolves a channel by id with decrypted credentials, defaults applied and the tenant's plan", async () => {
      const { tenantId, workspaceId } = await tenantWithWorkspace(h, Plan.ENTERPRISE);
      const ig = instagramConfig();
      const { channel } = await h.channels.createChannel({
        workspaceId,
        name: "IG",
        config: { case: "instagram", value: ig },
      });
      const res = await h.delivery.channelDirectory.resolveChannel({
        key: { case: "channelId", value: channel?.id ?? "" },
      });
      assert.equal(res.tenantId, tenantId);
      assert.equal(res.workspaceId, workspaceId);
      assert.equal(res.type, ChannelType.INSTAGRAM);
      assert.equal(res.status, ChannelStatus.ACTIVE);
      assert.equal(res.tenantSuspended, false);
      assert.equal(res.plan, Plan.ENTERPRISE, "ingress sets webhook rate limits by the plan");
      assert.equal(res.credentials.case, "instagram");
      const creds = res.credentials.case === "instagram" ? res.credentials.value : undefined;
      assert.deepEqual(
        {
          accountId: creds?.accountId,
          accessToken: creds?.accessToken,
          appSecret: creds?.appSecret,
          verifyToken: creds?.verifyToken,
          graphApiBaseUrl: creds?.graphApiBaseUrl,
          graphApiVersion: creds?.graphApiVersion,
        },
        { ...ig, graphApiBaseUrl: "https://graph.instagram.com", graphApiVersion: "v99.0" },
      );
    });

    it("resolves a web channel by site key", async () => {
      const { workspaceId } = await tenantWithWorkspace(h);
      const { channel, webIdentitySecret } = await h.channels.createChannel({
        workspaceId,
        name: "Site",
        config: { case: "web", value: { allowedOrigins: ["http://localhost:4200"] } },
      });
      const siteKey = channel?.config.case === "web" ? channel.config.value.siteKey : "";
      const res = await h.delivery.channelDirectory.resolveChannel({
        key: { case: "siteKey", value: siteKey },
      });
      assert.equal(res.channelId, channel?.id);
      const creds = res.credentials.case === "web" ? res.credentials.value : undefined;
      assert.equal(creds?.identitySecret, webIdentitySecret);
      assert.deepEqual(creds?.allowedOrigins, ["http://localhost:4200"]);
    });

    it("answers not_found for unknown ids and site keys", async () => {
      assert.equal(
        (
          await connectErrorOf(
            h.delivery.channelDirectory.resolveChannel({ key: { case: "channelId", value: UNKNOWN } }),
          )
        ).code,
        Code.NotFound,
      );
      assert.equal(
        (
          await connectErrorOf(
            h.delivery.channelDirectory.resolveChannel({
              key: { case: "siteKey", value: "pk_unknownunknownunknown" },
            }),
          )
        ).code,
        Code.NotFound,
      );
      assert.equal(
        (await connectErrorOf(h.delivery.channelDirectory.resolveChannel({}))).code,
        Code.InvalidArgument,
      );
    });
  });
});

describe("ChannelService with Graph URL overrides denied (the production default)", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ GRAPH_BASE_URL_OVERRIDES: "deny" });
  });
  after(async () => {
    await h?.stop();
  });

  it("refuses a channel that would send its access token to a URL of the tenant's choosing", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const err = await connectErrorOf(
      h.channels.createChannel({
        workspaceId,
        name: "Pointed elsewhere",
        config: { case: "whatsapp", value: whatsappConfig({ graphApiBaseUrl: "http://169.254.169.254" }) },
      }),
    );
    assert.equal(err.code, Code.InvalidArgument);
    assert.match(err.rawMessage, /whatsapp\.graph_api_base_url/);
    const { channel } = await h.channels.createChannel({
      workspaceId,
      name: "Default Graph",
      config: { case: "whatsapp", value: whatsappConfig() },
    });
    const update = await connectErrorOf(
      h.channels.updateChannel({
        workspaceId,
        channelId: channel?.id ?? "",
        updateMask: { paths: ["graph_api_base_url"] },
        graphApiBaseUrl: "http://127.0.0.1:6379",
      }),
    );
    assert.equal(update.code, Code.InvalidArgument);
    const resolved = await h.delivery.channelDirectory.resolveChannel({
      key: { case: "channelId", value: channel?.id ?? "" },
    });
    assert.equal(
      resolved.credentials.case === "whatsapp" ? resolved.credentials.value.graphApiBaseUrl : "",
      "https://graph.facebook.com",
    );
  });
});

describe("a stored Graph base URL when the operator denies overrides later", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({ GRAPH_BASE_URL_OVERRIDES: "allow" });
  });
  after(async () => {
    await h?.stop();
  });

  it("is honoured only while overrides are allowed: under deny ResolveChannel hands out the default", async () => {
    const { workspaceId } = await tenantWithWorkspace(h);
    const created = await Promise.all([
      h.channels.createChannel({
        workspaceId,
        name: "WA elsewhere",
        config: { case: "whatsapp", value: whatsappConfig({ graphApiBaseUrl: "http://127.0.0.1:9/graph" }) },
      }),
      h.channels.createChannel({
        workspaceId,
        name: "IG elsewhere",
        config: {
          case: "instagram",
          value: { ...instagramConfig(), graphApiBaseUrl: "http://127.0.0.1:9/ig" },
        },
      }),
    ]);
    const ids = created.map((c) => c.channel?.id ?? "");
    const baseUrls = async () =>
      Promise.all(
        ids.map(async (id) => {
          const { credentials: c } = await h.delivery.channelDirectory.resolveChannel({
            key: { case: "channelId", value: id },
          });
          return c.case === "whatsapp" || c.case === "instagram" ? c.value.graphApiBaseUrl : "";
        }),
      );
    assert.deepEqual(await baseUrls(), ["http://127.0.0.1:9/graph", "http://127.0.0.1:9/ig"]);

    // The operator says deny: what was saved under allow no longer receives the access token.
    await h.restart({ GRAPH_BASE_URL_OVERRIDES: "deny" });
    assert.deepEqual(await baseUrls(), ["https://graph.facebook.com", "https://graph.instagram.com"]);
    for (const id of ids) {
      assert.ok(
        h.logs.some((l) => l.includes(id) && l.includes("GRAPH_BASE_URL_OVERRIDES=deny refuses")),
        `a warning names channel ${id}`,
      );
    }
    // The channel's own setting is still shown (and can be cleared), it is just not used.
    const { channel } = await h.channels.getChannel({ workspaceId, channelId: ids[0] ?? "" });
    assert.equal(
      channel?.config.case === "whatsapp" ? channel.config.value.graphApiBaseUrl : "",
      "http://127.0.0.1:9/graph",
    );
  });
});
