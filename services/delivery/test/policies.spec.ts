import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import { DeliveryService, WebhookSubscriptionService } from "@atendo/proto/delivery/v1";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { methodsWithoutRule } from "@atendo/service-kit";
import type { Person } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import { POLICIES } from "../src/policies.js";
import { type Clients, type Harness, startHarness, type TestChannel } from "./support/harness.js";

/** The code a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, String(err));
    return err.code;
  }
  assert.fail("the call was accepted");
}

describe("delivery policies", function () {
  this.timeout(30_000);

  it("give every RPC of the delivery process a rule", () => {
    assert.deepEqual(methodsWithoutRule(POLICIES, [DeliveryService, WebhookSubscriptionService]), []);
  });

  describe("with real credentials", () => {
    let h: Harness;
    let ch: TestChannel;
    let messageId: string;
    /** A second workspace of ch's tenant. */
    let otherWorkspaceId: string;
    let agent: Person<Clients>;
    let admin: Person<Clients>;

    const status = (c: Clients, workspaceId = ch.workspaceId) =>
      c.delivery.getDeliveryStatus({ workspaceId, messageId });
    const resend = (c: Clients) => c.delivery.resendMessage({ workspaceId: ch.workspaceId, messageId });
    const subscriptions = (c: Clients) => c.webhooks.listSubscriptions({ workspaceId: ch.workspaceId });

    before(async () => {
      h = await startHarness();
      ch = await h.newChannel();
      const event = h.outbound(ch);
      await h.publishOutbound(event);
      await h.waitForStatus(event.messageId, MessageStatus.SENT);
      messageId = event.messageId;
      // A plan with room for a second workspace.
      await h.identity.setPlan(ch.tenantId, Plan.PRO);
      otherWorkspaceId = (await h.identity.addWorkspace(ch.owner, { name: "Filial" })).workspaceId;
      agent = await h.identity.addMember(ch.owner, MemberRole.AGENT);
      admin = await h.identity.addMember(ch.owner, MemberRole.ADMIN);
    });
    after(() => h?.stop());

    it("refuses callers without credentials or with a bad token", async () => {
      assert.equal(await refusal(status(h.anonymous)), Code.Unauthenticated);
      assert.equal(await refusal(subscriptions(h.anonymous)), Code.Unauthenticated);
      assert.equal(await refusal(status(h.as(`${ch.owner.accessToken}x`))), Code.Unauthenticated);
    });

    it("lets agents read deliveries and resend, but not manage webhooks", async () => {
      const { state } = await status(agent.clients);
      assert.equal(state?.messageId, messageId);
      // Past the rules: ResendMessage and the subscriptions come with later issues.
      assert.equal(await refusal(resend(agent.clients)), Code.Unimplemented);
      assert.equal(await refusal(subscriptions(agent.clients)), Code.PermissionDenied);
      assert.equal(await refusal(subscriptions(admin.clients)), Code.Unimplemented);
      assert.equal(await refusal(subscriptions(ch.owner.clients)), Code.Unimplemented);
    });

    it("keeps agents limited to other workspaces out", async () => {
      const limited = await h.identity.addMember(ch.owner, MemberRole.AGENT, [otherWorkspaceId]);
      assert.equal(await refusal(status(limited.clients)), Code.PermissionDenied);
      // In their own workspace the message does not exist.
      assert.equal(await refusal(status(limited.clients, otherWorkspaceId)), Code.NotFound);
    });

    it("answers not_found for a message asked for through another workspace of the tenant", async () => {
      assert.equal(await refusal(status(ch.owner.clients, otherWorkspaceId)), Code.NotFound);
      const { attempts } = await ch.owner.clients.delivery.listAttempts({
        workspaceId: otherWorkspaceId,
        messageId,
      });
      assert.deepEqual(attempts, []);
    });

    it("holds API keys to their scopes and their workspace", async () => {
      const reader = (await h.identity.createApiKey(ch.owner, ch.workspaceId, ["conversations:read"]))
        .clients;
      assert.equal((await status(reader)).state?.messageId, messageId);
      assert.equal(await refusal(resend(reader)), Code.PermissionDenied);
      assert.equal(await refusal(subscriptions(reader)), Code.PermissionDenied);

      const writer = (await h.identity.createApiKey(ch.owner, ch.workspaceId, ["messages:write"])).clients;
      assert.equal(await refusal(status(writer)), Code.PermissionDenied);
      assert.equal(await refusal(resend(writer)), Code.Unimplemented);

      const hooks = (await h.identity.createApiKey(ch.owner, ch.workspaceId, ["webhooks:write"])).clients;
      assert.equal(await refusal(subscriptions(hooks)), Code.Unimplemented);

      const elsewhere = (await h.identity.createApiKey(ch.owner, otherWorkspaceId, ["conversations:read"]))
        .clients;
      assert.equal(await refusal(status(elsewhere)), Code.PermissionDenied);
    });

    it("refuses another tenant's people and keys with not_found", async () => {
      const stranger = (await h.newChannel()).owner;
      assert.equal(await refusal(status(stranger.clients)), Code.NotFound);
      assert.equal(await refusal(subscriptions(stranger.clients)), Code.NotFound);
      const key = (await h.identity.createApiKey(stranger, stranger.workspaceId, ["conversations:read"]))
        .clients;
      assert.equal(await refusal(status(key)), Code.NotFound);
    });

    it("refuses service tokens: no service calls delivery", async () => {
      assert.equal(await refusal(status(await h.identity.asService("ingress"))), Code.PermissionDenied);
    });
  });
});
