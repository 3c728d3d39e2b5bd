import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { whatsappConfig } from "./support/fixtures.js";
import { rejection } from "./support/rejection.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";
import { claimsOf, headerOf } from "./support/tokens.js";

const UUID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const INGRESS_CREDENTIAL = "ingress-credential-for-tests-0123";

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
      const res = await h.anonymous.auth.issueServiceToken({
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
        const err = await rejection(h.anonymous.auth.issueServiceToken({ service, credential }));
        assert.equal(err.code, Code.Unauthenticated, `${service}`);
      }
      assert.ok(!h.logs.some((l) => l.includes("ingress-credential-for-tests")));
      const bad = await rejection(
        h.anonymous.auth.issueServiceToken({ service: "mailer", credential: "x".repeat(20) }),
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
        (await rejection(conversation.channels.resolveChannel({ key }))).code,
        Code.PermissionDenied,
      );
      assert.equal((await h.delivery.channels.resolveChannel({ key })).tenantId, owner.tenantId);
      // A service is not a member: member RPCs refuse it.
      const err = await rejection(conversation.tenants.listMembers({ tenantId: owner.tenantId }));
      assert.equal(err.code, Code.PermissionDenied);
      // Every service may read the workspace directory.
      const ws = await conversation.tenants.getWorkspace({ workspaceId: owner.workspaceId });
      assert.equal(ws.workspace?.tenantId, owner.tenantId);
      // And no user may call an internal RPC.
      assert.equal(
        (await rejection(owner.clients.channels.resolveChannel({ key }))).code,
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
      const res = await ingress.auth.issueVisitorToken({
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
          await ingress.auth.issueVisitorToken({
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
        ingress.auth.issueVisitorToken({ ...base, tenantId: owner.tenantId, channelId: channel?.id ?? "" }),
      );
      assert.equal(notWeb.code, Code.FailedPrecondition);
      const foreign = await rejection(
        ingress.auth.issueVisitorToken({ ...base, tenantId: other.tenantId, channelId: web?.id ?? "" }),
      );
      assert.equal(foreign.code, Code.NotFound);
      const tooLong = await rejection(
        ingress.auth.issueVisitorToken({
          ...base,
          tenantId: owner.tenantId,
          channelId: web?.id ?? "",
          ttl: { seconds: 31n * 24n * 3600n },
        }),
      );
      assert.equal(tooLong.code, Code.InvalidArgument);
      assert.match(tooLong.rawMessage, /ttl/);
      const delivery = await rejection(
        h.delivery.auth.issueVisitorToken({ ...base, tenantId: owner.tenantId, channelId: web?.id ?? "" }),
      );
      assert.equal(delivery.code, Code.PermissionDenied);
    });
  });
});
