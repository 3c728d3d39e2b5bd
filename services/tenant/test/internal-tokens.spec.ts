import assert from "node:assert/strict";
import { ServiceVisibility, service as serviceOption } from "@atendo/proto/common/v1";
import { http } from "@atendo/proto/google/api";
import {
  AuthService,
  ChannelDirectoryService,
  ChannelService,
  ChannelStatus,
  TokenService,
} from "@atendo/proto/tenant/v1";
import { getOption, hasOption } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf, headerOf } from "./support/tokens.js";

const UUID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const INGRESS_CREDENTIAL = "ingress-credential-for-tests-0123";
const INTERNAL_RPCS = [
  "IssueServiceToken",
  "IntrospectApiKey",
  "IssueVisitorToken",
  "ResolveChannel",
  "SetChannelStatus",
];

describe("internal tokens: service and visitor tokens", () => {
  let h: TenantHarness;

  before(async () => {
    h = await startTenantForTest({
      // One service with its own credential; the others keep their development ones.
      SERVICE_CREDENTIALS: "ingress:ingress-credential-for-tests-0123",
    });
  });
  after(async () => {
    await h?.stop();
  });

  describe("IssueServiceToken", () => {
    it("trades the right credential for a service token, and nothing else", async () => {
      const res = await h.anonymous.tokens.issueServiceToken({
        service: "ingress",
        credential: INGRESS_CREDENTIAL,
      });
      assert.equal(headerOf(res.serviceToken).typ, "svc+jwt");
      const claims = claimsOf(res.serviceToken);
      assert.equal(claims.sub, "service:ingress");
      assert.equal(claims.aud, "atendo");
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 15 * 60);
      assert.equal(claims.tid, undefined);

      for (const [service, credential] of [
        ["ingress", "dev-service-credential-ingress"], // replaced by its own credential
        ["ingress", "ingress-credential-for-tests-0124"],
        ["delivery", INGRESS_CREDENTIAL], // another service's
      ] as const) {
        const err = await rejection(h.anonymous.tokens.issueServiceToken({ service, credential }));
        assert.equal(err.code, Code.Unauthenticated, `${service}`);
      }
      assert.ok(!h.logs.some((l) => l.includes("ingress-credential-for-tests")));
      const bad = await rejection(
        h.anonymous.tokens.issueServiceToken({ service: "mailer", credential: "x".repeat(20) }),
      );
      assert.equal(bad.code, Code.InvalidArgument);
    });

    it("lets a service call only the internal RPCs its rule lists", async () => {
      const owner = await h.identity.signUpOwner();
      const { channel } = await owner.clients.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "WA",
        config: { case: "whatsapp", value: whatsappConfig() },
      });
      const key = { case: "channelId" as const, value: channel?.id ?? "" };
      const conversation = await h.asService("conversation");
      assert.equal(
        (await rejection(conversation.channelDirectory.resolveChannel({ key }))).code,
        Code.PermissionDenied,
      );
      assert.equal((await h.delivery.channelDirectory.resolveChannel({ key })).tenantId, owner.tenantId);
      // A service is not a member: member RPCs refuse it.
      const err = await rejection(conversation.tenants.listMembers({ tenantId: owner.tenantId }));
      assert.equal(err.code, Code.PermissionDenied);
      // Every service may read the workspace directory.
      const ws = await conversation.tenants.getWorkspace({ workspaceId: owner.workspaceId });
      assert.equal(ws.workspace?.tenantId, owner.tenantId);
      // And no user may call an internal RPC.
      assert.equal(
        (await rejection(owner.clients.channelDirectory.resolveChannel({ key }))).code,
        Code.PermissionDenied,
      );
    });
  });

  describe("IssueVisitorToken", () => {
    it("signs a visitor token scoped to one web channel and session", async () => {
      const owner = await h.identity.signUpOwner();
      const { channel } = await owner.clients.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "Site",
        config: { case: "web", value: {} },
      });
      const channelId = channel?.id ?? "";
      const ingress = await h.asService("ingress", INGRESS_CREDENTIAL);
      const sessionId = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
      const res = await ingress.tokens.issueVisitorToken({
        tenantId: owner.tenantId,
        channelId,
        sessionId,
        visitorId: "visitor-42",
        verified: true,
        ttl: { seconds: 3600n },
      });
      assert.equal(headerOf(res.visitorToken).typ, "visitor+jwt");
      const claims = claimsOf(res.visitorToken);
      assert.deepEqual(
        {
          sub: claims.sub,
          tid: claims.tid,
          wsid: claims.wsid,
          chid: claims.chid,
          sid: claims.sid,
          ver: claims.ver,
        },
        {
          sub: "visitor-42",
          tid: owner.tenantId,
          wsid: owner.workspaceId,
          chid: channelId,
          sid: sessionId,
          ver: true,
        },
      );
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);
      const defaulted = claimsOf(
        (
          await ingress.tokens.issueVisitorToken({
            tenantId: owner.tenantId,
            channelId,
            sessionId,
            visitorId: "anon",
          })
        ).visitorToken,
      );
      assert.equal((defaulted.exp ?? 0) - (defaulted.iat ?? 0), 7 * 24 * 3600);
      assert.equal(defaulted.ver, false);

      // A visitor token is no user: user RPCs refuse it.
      const err = await rejection(h.as(res.visitorToken).auth.getCurrentUser({}));
      assert.equal(err.code, Code.PermissionDenied);
    });

    it("refuses other channels, other tenants, other callers and bad lifetimes", async () => {
      const owner = await h.identity.signUpOwner();
      const other = await h.identity.signUpOwner();
      const { channel } = await owner.clients.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "WA",
        config: { case: "whatsapp", value: whatsappConfig() },
      });
      const { channel: web } = await owner.clients.channels.createChannel({
        workspaceId: owner.workspaceId,
        name: "Web",
        config: { case: "web", value: {} },
      });
      const ingress = await h.asService("ingress", INGRESS_CREDENTIAL);
      const base = { sessionId: UUID, visitorId: "v" };
      const notWeb = await rejection(
        ingress.tokens.issueVisitorToken({ ...base, tenantId: owner.tenantId, channelId: channel?.id ?? "" }),
      );
      assert.equal(notWeb.code, Code.FailedPrecondition);
      const foreign = await rejection(
        ingress.tokens.issueVisitorToken({ ...base, tenantId: other.tenantId, channelId: web?.id ?? "" }),
      );
      assert.equal(foreign.code, Code.NotFound);
      const tooLong = await rejection(
        ingress.tokens.issueVisitorToken({
          ...base,
          tenantId: owner.tenantId,
          channelId: web?.id ?? "",
          ttl: { seconds: 31n * 24n * 3600n },
        }),
      );
      assert.equal(tooLong.code, Code.InvalidArgument);
      assert.match(tooLong.rawMessage, /ttl/);
      const delivery = await rejection(
        h.delivery.tokens.issueVisitorToken({ ...base, tenantId: owner.tenantId, channelId: web?.id ?? "" }),
      );
      assert.equal(delivery.code, Code.PermissionDenied);
    });
  });

  describe("internal services (TokenService, ChannelDirectoryService)", () => {
    it("serves them to service tokens and refuses users and API keys", async () => {
      const owner = await h.identity.signUpOwner();
      const channelId = await h.identity.createWebChannel(owner);
      const key = await h.identity.createApiKey(owner, owner.workspaceId, [
        "channels:read",
        "channels:write",
      ]);
      const resolve = { key: { case: "channelId" as const, value: channelId } };
      const setStatus = {
        tenantId: owner.tenantId,
        channelId,
        status: ChannelStatus.NEEDS_RECONNECT,
        reason: "token expired",
      };
      const visitor = { tenantId: owner.tenantId, channelId, sessionId: UUID, visitorId: "v" };
      // The services their rules name get through.
      const ingress = await h.asService("ingress", INGRESS_CREDENTIAL);
      assert.equal((await h.delivery.channelDirectory.resolveChannel(resolve)).channelId, channelId);
      assert.equal(
        (await h.delivery.channelDirectory.setChannelStatus(setStatus)).channel?.status,
        ChannelStatus.NEEDS_RECONNECT,
      );
      assert.equal(
        (await ingress.tokens.introspectApiKey({ apiKey: key.secret })).principal?.apiKeyId,
        key.id,
      );
      assert.notEqual((await ingress.tokens.issueVisitorToken(visitor)).visitorToken, "");
      // A user (the tenant's owner) and an API key with every channel scope do not.
      for (const [who, clients] of [
        ["the owner", owner.clients],
        ["an API key", key.clients],
      ] as const) {
        for (const [rpc, call] of [
          ["ResolveChannel", clients.channelDirectory.resolveChannel(resolve)],
          ["SetChannelStatus", clients.channelDirectory.setChannelStatus(setStatus)],
          ["IntrospectApiKey", clients.tokens.introspectApiKey({ apiKey: key.secret })],
          ["IssueVisitorToken", clients.tokens.issueVisitorToken(visitor)],
        ] as const) {
          assert.equal((await rejection(call)).code, Code.PermissionDenied, `${rpc} by ${who}`);
        }
      }
    });

    it("takes the internal RPCs out of the public services, and routes them nowhere", async () => {
      assert.deepEqual(
        AuthService.methods.map((m) => m.name).filter((n) => INTERNAL_RPCS.includes(n)),
        [],
      );
      assert.deepEqual(
        ChannelService.methods.map((m) => m.name).filter((n) => INTERNAL_RPCS.includes(n)),
        [],
      );
      for (const service of [TokenService, ChannelDirectoryService]) {
        assert.equal(getOption(service, serviceOption).visibility, ServiceVisibility.INTERNAL);
        assert.ok(
          service.methods.every((m) => !hasOption(m, http)),
          `${service.typeName} has an HTTP rule`,
        );
      }
      assert.deepEqual(
        [...TokenService.methods, ...ChannelDirectoryService.methods].map((m) => m.name).sort(),
        [...INTERNAL_RPCS].sort(),
      );
      // The server no longer answers them at their old paths.
      const serviceToken = await h.identity.serviceToken("delivery");
      for (const path of [
        "atendo.tenant.v1.AuthService/IssueServiceToken",
        "atendo.tenant.v1.AuthService/IntrospectApiKey",
        "atendo.tenant.v1.ChannelService/ResolveChannel",
      ]) {
        const res = await fetch(`${h.url}/${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${serviceToken}` },
          body: "{}",
        });
        assert.equal(res.status, 404, path);
      }
    });
  });
});
