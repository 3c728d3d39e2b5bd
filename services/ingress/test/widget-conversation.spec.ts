import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { loadConfig as loadConversationConfig, start as startConversation } from "@atendo/conversation";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { adminQuery, clientsFor, waitFor } from "@atendo/testing";
import { type RunningService, start } from "../src/main.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  identityHash,
  pageHeaders,
  SHOP,
  startSession,
  text,
  type WebChannel,
  type WidgetClient,
  widgetClient,
} from "./support/widget-kit.js";

describe("web-chat widget: StartSession opens the visitor's conversation (real conversation service)", function () {
  this.timeout(60_000);
  let h: Harness;
  let conversation: RunningService;
  let replica: RunningService;
  let client: WidgetClient;

  before(async () => {
    h = await startHarness();
    conversation = await startConversation(
      loadConversationConfig({
        PORT: "0",
        LOG_LEVEL: "error",
        DATABASE_URL: h.env.appUrl("conversation"),
        MIGRATION_DATABASE_URL: h.env.ownerUrl,
        REDIS_URL: h.env.redisUrl,
        REDIS_KEY_PREFIX: `${h.namespace}:conversation:`,
        NATS_URL: h.env.natsUrl,
        BUS_NAMESPACE: h.namespace,
        TENANT_SERVICE_URL: h.tenantUrl,
        AUTH_ISSUER: h.issuer,
      }),
      { logger: h.logger },
    );
    // An ingress that reaches it (the harness's own runs without one).
    replica = await start(
      h.ingressConfig({ conversationServiceUrl: `http://127.0.0.1:${conversation.port}` }),
      { logger: h.logger },
    );
    client = widgetClient(`http://127.0.0.1:${replica.port}`);
  });

  after(async () => {
    await replica?.stop();
    await conversation?.stop();
    await h?.stop();
  });

  const conversationsOf = (channel: WebChannel) =>
    clientsFor(`http://127.0.0.1:${conversation.port}`, channel.owner.accessToken, {
      conversations: ConversationService,
    }).conversations;

  it("answers the conversation id at once, and the visitor's first message lands in that conversation", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP, { visitor: { name: "Ana" } });
    assert.notEqual(session.conversationId, "", "a conversation id before any message");
    const resumed = await startSession(client, channel, SHOP, { resumeToken: session.visitorToken });
    assert.equal(resumed.conversationId, session.conversationId);
    const other = await startSession(client, channel, SHOP);
    assert.notEqual(other.conversationId, session.conversationId, "another visitor, another conversation");

    await client.sendMessage(
      { message: text("do you ship abroad?") },
      { headers: pageHeaders(SHOP, session.visitorToken) },
    );
    const conversations = conversationsOf(channel);
    const listed = await waitFor(
      async () => {
        const res = await conversations.listConversations({ workspaceId: channel.workspaceId });
        return res.conversations.length > 0 ? res.conversations : undefined;
      },
      { message: "the visitor's conversation in the inbox" },
    );
    // Only the conversation with a message is listed, and it is the one StartSession named.
    assert.deepEqual(
      listed.map((c) => c.id),
      [session.conversationId],
    );
    const messages = await conversations.listMessages({
      workspaceId: channel.workspaceId,
      conversationId: session.conversationId,
    });
    assert.equal(messages.messages.length, 1);
    assert.equal(listed[0]?.contact?.name, "Ana");
  });

  it("gives concurrent sessions of one proven user one conversation", async () => {
    const channel = await createWebChannel(h, { identityVerification: true });
    const userId = `user-${randomUUID()}`;
    const visitor = { userId, identityHash: identityHash(channel.identitySecret, userId) };
    const sessions = await Promise.all(
      Array.from({ length: 4 }, () => startSession(client, channel, SHOP, { visitor })),
    );
    const ids = new Set(sessions.map((s) => s.conversationId));
    assert.equal(ids.size, 1);
    assert.ok(!ids.has(""));
  });

  it("answers the current conversation after conversation pruned the one it gave (never written in)", async () => {
    const channel = await createWebChannel(h);
    const first = await startSession(client, channel, SHOP);
    // What conversation's retention does to a conversation without messages past RETENTION_DAYS.
    await adminQuery("delete from conversation.conversations where id = $1", [first.conversationId]);
    const resumed = await startSession(client, channel, SHOP, { resumeToken: first.visitorToken });
    assert.equal(resumed.session?.visitorId, first.session?.visitorId);
    assert.notEqual(resumed.conversationId, "");
    assert.notEqual(resumed.conversationId, first.conversationId);
    const rows = await adminQuery("select 1 from conversation.conversations where id = $1", [
      resumed.conversationId,
    ]);
    assert.equal(rows.length, 1);
  });

  it("still starts a session, without a conversation id, when the conversation service cannot be reached", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(widgetClient(h.ingressUrl), channel, SHOP);
    assert.notEqual(session.visitorToken, "");
    assert.equal(session.conversationId, "");
  });
});
