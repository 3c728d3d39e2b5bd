import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { WebhookService, WidgetService } from "@atendo/proto/ingress/v1";
import { MemberRole, Plan } from "@atendo/proto/tenant/v1";
import { errorInfoOf, methodsWithoutRule, ruleOf } from "@atendo/service-kit";
import { codeOf } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import { POLICIES } from "../src/policies.js";
import { textDelivery } from "./support/deliveries.js";
import { type Clients, type Harness, postSigned, startHarness, type TestChannel } from "./support/harness.js";
import { settledRowsOf } from "./support/rows.js";

describe("ingress policies (the real tenant service issues every credential)", function () {
  this.timeout(30_000);
  let h: Harness;
  let channel: TestChannel;
  let rowId: string;
  let secondWorkspaceId: string;

  before(async () => {
    h = await startHarness();
    channel = await h.createChannel();
    assert.equal((await postSigned(h.ingressUrl, channel, textDelivery(channel).body)).status, 200);
    const [row] = await settledRowsOf(channel.channelId);
    rowId = row?.id ?? "";
    await h.identity.setPlan(channel.tenantId, Plan.PRO);
    secondWorkspaceId = (await h.identity.addWorkspace(channel.owner, { name: "Second" })).workspaceId;
  });

  after(async () => {
    await h?.stop();
  });

  const calls = (c: Clients, workspaceId = channel.workspaceId, webhookEventId = rowId) => ({
    list: () => codeOf(c.webhooks.listWebhookEvents({ workspaceId })),
    get: () => codeOf(c.webhooks.getWebhookEvent({ workspaceId, webhookEventId })),
    replay: () => codeOf(c.webhooks.replayWebhookEvent({ workspaceId, webhookEventId })),
  });

  it("has exactly one rule for every RPC of the services ingress serves", () => {
    assert.deepEqual(methodsWithoutRule(POLICIES, [WebhookService, WidgetService]), []);
    assert.equal(ruleOf(POLICIES, WidgetService.method.startSession)?.public, true);
  });

  it("lets the workspace's owner and admins list, read and replay its deliveries", async () => {
    const admin = (await h.identity.addMember(channel.owner, MemberRole.ADMIN)).clients;
    for (const who of [channel.owner.clients, admin]) {
      const c = calls(who);
      assert.deepEqual([await c.list(), await c.get(), await c.replay()], ["ok", "ok", "ok"]);
    }
  });

  it("refuses callers without valid credentials: unauthenticated", async () => {
    const forged = `${channel.owner.accessToken.slice(0, -4)}AAAA`;
    for (const who of [h.anonymous, h.as(forged), h.as("atd_live_abcdefgh_notarealkey")]) {
      const c = calls(who);
      assert.deepEqual(
        [await c.list(), await c.get(), await c.replay()],
        [Code.Unauthenticated, Code.Unauthenticated, Code.Unauthenticated],
      );
    }
  });

  it("answers not_found to a user of another tenant, whatever they name", async () => {
    const stranger = await h.identity.signUpOwner();
    const c = calls(stranger.clients);
    assert.deepEqual(
      [await c.list(), await c.get(), await c.replay()],
      [Code.NotFound, Code.NotFound, Code.NotFound],
    );
    // Their own workspace with our delivery's id: not theirs either.
    const own = calls(stranger.clients, stranger.workspaceId);
    assert.deepEqual([await own.get(), await own.replay()], [Code.NotFound, Code.NotFound]);
    assert.equal(await own.list(), "ok");
  });

  it("answers not_found for a delivery named under another workspace of the same tenant", async () => {
    const c = calls(channel.owner.clients, secondWorkspaceId);
    assert.deepEqual([await c.get(), await c.replay()], [Code.NotFound, Code.NotFound]);
    const listed = await channel.owner.clients.webhooks.listWebhookEvents({ workspaceId: secondWorkspaceId });
    assert.deepEqual(listed.events, []);
  });

  it("refuses agents: these are admin RPCs", async () => {
    const agent = (await h.identity.addMember(channel.owner, MemberRole.AGENT)).clients;
    const c = calls(agent);
    assert.deepEqual(
      [await c.list(), await c.get(), await c.replay()],
      [Code.PermissionDenied, Code.PermissionDenied, Code.PermissionDenied],
    );
  });

  it("checks API keys' scopes and workspace", async () => {
    const reader = calls(
      (await h.identity.createApiKey(channel.owner, channel.workspaceId, ["channels:read"])).clients,
    );
    assert.deepEqual(
      [await reader.list(), await reader.get(), await reader.replay()],
      ["ok", "ok", Code.PermissionDenied],
    );
    const writer = calls(
      (await h.identity.createApiKey(channel.owner, channel.workspaceId, ["channels:write"])).clients,
    );
    assert.deepEqual([await writer.list(), await writer.replay()], [Code.PermissionDenied, "ok"]);
    const unrelated = calls(
      (await h.identity.createApiKey(channel.owner, channel.workspaceId, ["conversations:read"])).clients,
    );
    assert.equal(await unrelated.list(), Code.PermissionDenied);
    const elsewhere = calls(
      (await h.identity.createApiKey(channel.owner, secondWorkspaceId, ["channels:read", "channels:write"]))
        .clients,
    );
    assert.deepEqual(
      [await elsewhere.list(), await elsewhere.get(), await elsewhere.replay()],
      [Code.PermissionDenied, Code.PermissionDenied, Code.PermissionDenied],
      "a key of another workspace of the tenant",
    );
  });

  it("keeps the widget's RPCs for visitors: users are refused, StartSession is public", async () => {
    const user = channel.owner.clients.widget;
    assert.equal(
      await codeOf(
        user.sendMessage({
          requestId: randomUUID(),
          message: { content: { case: "text", value: { body: "hi" } } },
        }),
      ),
      Code.PermissionDenied,
    );
    assert.equal(await codeOf(user.listMessages({})), Code.PermissionDenied);
    assert.equal(await codeOf(h.anonymous.widget.listMessages({})), Code.Unauthenticated);
    // StartSession passes the policy without credentials: an unknown site key is the handler's answer.
    const unknownSite = await h.anonymous.widget
      .startSession({ siteKey: "pk_0123456789abcdef", requestId: randomUUID() })
      .then(
        () => assert.fail("StartSession answered"),
        (err: unknown) => ConnectError.from(err),
      );
    assert.equal(unknownSite.code, Code.NotFound);
    assert.equal(errorInfoOf(unknownSite)?.reason, "NOT_FOUND");
  });

  it("refuses service tokens: no service calls these RPCs", async () => {
    const c = calls(await h.identity.asService("conversation"));
    assert.deepEqual(
      [await c.list(), await c.get(), await c.replay()],
      [Code.PermissionDenied, Code.PermissionDenied, Code.PermissionDenied],
    );
  });
});
