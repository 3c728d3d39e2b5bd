import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ChannelType, Direction, MessageStatus } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { adminQuery, connectErrorOf, waitFor } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { collectIngressEvents } from "./support/event-collector.js";
import { type Harness, startHarness } from "./support/harness.js";
import {
  createWebChannel,
  identityHash,
  pageHeaders,
  playConversation,
  readStream,
  SHOP,
  startSession,
  text,
  turnReady,
  type WidgetClient,
  widgetClient,
} from "./support/widget-kit.js";

describe("web-chat widget: sessions, identity, sends (real tenant service, Postgres, Redis, NATS)", function () {
  this.timeout(60_000);
  let h: Harness;
  let client: WidgetClient;

  before(async () => {
    // Room for the concurrent retries below (every attempt counts against the visitor's limit).
    h = await startHarness({ WIDGET_MESSAGES_PER_VISITOR: "100" });
    client = widgetClient(h.ingressUrl);
  });

  after(async () => {
    await h?.stop();
  });

  it("starts a session on an allowed origin and refuses another origin, or none", async () => {
    const channel = await createWebChannel(h, { allowedOrigins: [SHOP] });
    const res = await startSession(client, channel, SHOP);
    assert.ok(res.visitorToken !== "");
    assert.equal(res.session?.channelId, channel.channelId);
    assert.match(res.session?.visitorId ?? "", /^anon-/);
    assert.equal(res.session?.verified, false);
    assert.equal(res.conversationId, "", "no conversation before the first message");
    assert.match(res.channelName, /^Site /);
    // Case and a trailing slash do not matter; the scheme and host do.
    await startSession(client, channel, "HTTPS://SHOP.TEST");

    for (const origin of ["https://evil.test", "http://shop.test", undefined]) {
      const err = await connectErrorOf(startSession(client, channel, origin));
      assert.equal(err.code, Code.PermissionDenied, `origin ${origin}`);
      assert.match(err.rawMessage, /origin/i);
    }
  });

  it("accepts a proven identity, and refuses a forged hash or a claim without one when verification is on", async () => {
    const channel = await createWebChannel(h, { identityVerification: true });
    const userId = `user-${randomUUID()}`;
    const proven = await startSession(client, channel, SHOP, {
      visitor: {
        userId,
        identityHash: identityHash(channel.identitySecret, userId),
        name: "Ana",
        email: "ana@example.com",
      },
    });
    assert.equal(proven.session?.visitorId, userId);
    assert.equal(proven.session?.verified, true);

    // Someone else's user id with a hash computed for another id, or with another secret.
    const forged = [
      identityHash(channel.identitySecret, "someone-else"),
      identityHash("not-the-secret", userId),
    ];
    for (const hash of forged) {
      const err = await connectErrorOf(
        startSession(client, channel, SHOP, { visitor: { userId, identityHash: hash } }),
      );
      assert.equal(err.code, Code.PermissionDenied);
      assert.match(err.rawMessage, /identity_hash does not match/);
    }
    const bare = await connectErrorOf(startSession(client, channel, SHOP, { visitor: { userId } }));
    assert.equal(bare.code, Code.PermissionDenied);
    assert.match(bare.rawMessage, /needs identity_hash/);

    // Anonymous visitors still chat on such a channel; they are never anyone's user id.
    const anonymous = await startSession(client, channel, SHOP);
    assert.match(anonymous.session?.visitorId ?? "", /^anon-/);
  });

  it("never makes an unproven user id the visitor id when verification is off (nobody reads another's thread)", async () => {
    const channel = await createWebChannel(h);
    const userId = `user-${randomUUID()}`;
    const real = await startSession(client, channel, SHOP, {
      visitor: { userId, identityHash: identityHash(channel.identitySecret, userId) },
    });
    await client.sendMessage(
      { message: text("my order number is 42") },
      { headers: pageHeaders(SHOP, real.visitorToken) },
    );
    const impostor = await startSession(client, channel, SHOP, { visitor: { userId } });
    assert.notEqual(impostor.session?.visitorId, userId);
    assert.equal(impostor.session?.verified, false);
    const seen = await client.listMessages({}, { headers: pageHeaders(SHOP, impostor.visitorToken) });
    assert.deepEqual(seen.messages, []);
  });

  it("stores concurrent sends with one request_id once and publishes one MessageReceived", async () => {
    const channel = await createWebChannel(h);
    const collector = await collectIngressEvents(h.bus);
    try {
      const session = await startSession(client, channel, SHOP, {
        visitor: { name: "Bia", email: "bia@example.com" },
      });
      const requestId = randomUUID();
      const headers = pageHeaders(SHOP, session.visitorToken);
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          client.sendMessage({ requestId, message: text("Oi!") }, { headers }),
        ),
      );
      const ids = new Set(answers.map((a) => a.message?.id));
      assert.equal(ids.size, 1, "every retry answers the first message");
      assert.equal(answers[0]?.message?.requestId, requestId);
      const [{ count }] = (await adminQuery<{ count: string }>(
        "select count(*) from ingress.widget_messages where channel_id = $1",
        [channel.channelId],
      )) as [{ count: string }];
      assert.equal(Number(count), 1);

      await waitFor(() => collector.messages(channel.channelId).length >= 1, {
        message: "the visitor's MessageReceived on the bus",
      });
      await collector.settle();
      const published = collector.messages(channel.channelId);
      assert.equal(published.length, 1);
      const event = published[0]?.event;
      const messageId = answers[0]?.message?.id ?? "";
      assert.equal(published[0]?.msgId, messageId);
      assert.equal(event?.channelType, ChannelType.WEB);
      assert.equal(event?.externalMessageId, messageId);
      assert.equal(event?.contact?.externalId, session.session?.visitorId);
      assert.equal(event?.contact?.displayName, "Bia");
      assert.equal(event?.contact?.email, "bia@example.com");
      assert.equal(event?.message?.content.case, "text");
      assert.equal(event?.meta?.tenantId, channel.tenantId);
    } finally {
      await collector.stop();
    }
  });

  it("keeps two visitors apart, and refuses a resume token of site A on site B", async () => {
    const siteA = await createWebChannel(h);
    const siteB = await createWebChannel(h);
    const ana = await startSession(client, siteA, SHOP);
    const bia = await startSession(client, siteA, SHOP);
    const biaStream = readStream(client, bia.visitorToken);
    try {
      await waitFor(() => biaStream.items.length >= 1, { message: "bia's stream to open" });
      await client.sendMessage(
        { message: text("ana's secret") },
        { headers: pageHeaders(SHOP, ana.visitorToken) },
      );
      await client.sendMessage(
        { message: text("bia here") },
        { headers: pageHeaders(SHOP, bia.visitorToken) },
      );
      await waitFor(() => biaStream.messages().includes("bia here"), {
        message: "bia's own message on her stream",
      });
      assert.deepEqual(biaStream.messages(), ["bia here"]);
      const anaHistory = await client.listMessages({}, { headers: pageHeaders(SHOP, ana.visitorToken) });
      assert.deepEqual(
        anaHistory.messages.map((m) =>
          m.message?.content.case === "text" ? m.message.content.value.body : "",
        ),
        ["ana's secret"],
      );
    } finally {
      await biaStream.stop();
    }

    const err = await connectErrorOf(startSession(client, siteB, SHOP, { resumeToken: ana.visitorToken }));
    assert.equal(err.code, Code.PermissionDenied);
    // On its own site the token resumes the same session and visitor.
    const resumed = await startSession(client, siteA, SHOP, { resumeToken: ana.visitorToken });
    assert.equal(resumed.session?.id, ana.session?.id);
    assert.equal(resumed.session?.visitorId, ana.session?.visitorId);
  });

  it("puts a reply of the visitor's conversation on their stream, typing first, and names the conversation", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const headers = pageHeaders(SHOP, session.visitorToken);
    const stream = readStream(client, session.visitorToken);
    try {
      await waitFor(() => stream.items.length >= 1, { message: "the stream to open" });
      const sent = await client.sendMessage({ message: text("do you ship to Recife?") }, { headers });
      // What conversation publishes: the visitor's message stored (naming contact and conversation),
      // the turn handed to the assistant, then its reply.
      const conversation = await playConversation(h, channel, {
        id: sent.message?.id ?? "",
        body: "do you ship to Recife?",
      });
      const { conversationId } = conversation;
      await h.bus.publish(TurnReadySchema, turnReady(channel, conversationId));
      await waitFor(() => stream.items.some((i) => i.event.case === "typing" && i.event.value.active), {
        message: "the assistant typing",
      });
      await conversation.reply("Yes, in 3 days.");
      await waitFor(() => stream.messages().includes("Yes, in 3 days."), {
        message: "the reply on the stream",
      });
      assert.deepEqual(stream.messages(), ["do you ship to Recife?", "Yes, in 3 days."]);
      const reply = stream.items.find(
        (i) => i.event.case === "message" && i.event.value.direction === Direction.OUTBOUND,
      );
      assert.ok(reply?.event.case === "message");

      const again = await startSession(client, channel, SHOP, { resumeToken: session.visitorToken });
      assert.equal(again.conversationId, conversationId);
      const history = await client.listMessages({}, { headers });
      assert.equal(history.messages.length, 2, "the reply is stored once (durable consumer and listener)");
    } finally {
      await stream.stop();
    }
  });

  it("shows a reply's delivery status on the stream and in the history", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const headers = pageHeaders(SHOP, session.visitorToken);
    const sent = await client.sendMessage({ message: text("hello") }, { headers });
    const conversation = await playConversation(h, channel, { id: sent.message?.id ?? "", body: "hello" });
    const replyId = randomUUID();
    await conversation.reply("hi there", replyId);
    await waitFor(async () => (await client.listMessages({}, { headers })).messages.length === 2, {
      message: "the reply stored",
    });
    const stream = readStream(client, session.visitorToken);
    try {
      await waitFor(() => stream.items.length >= 1, { message: "the stream to open" });
      await conversation.status(replyId, MessageStatus.READ);
      await waitFor(
        () =>
          stream.items.some((i) => i.event.case === "message" && i.event.value.status === MessageStatus.READ),
        { message: "the READ status on the stream" },
      );
    } finally {
      await stream.stop();
    }
    const [newest] = (await client.listMessages({}, { headers })).messages;
    assert.equal(newest?.status, MessageStatus.READ);
    assert.equal(newest?.direction, Direction.OUTBOUND);
  });

  it("answers a retried StartSession with the same session", async () => {
    const channel = await createWebChannel(h);
    const requestId = randomUUID();
    const [a, b] = await Promise.all([
      startSession(client, channel, SHOP, { requestId }),
      startSession(client, channel, SHOP, { requestId }),
    ]);
    assert.equal(a.session?.id, b.session?.id);
    assert.equal(a.session?.visitorId, b.session?.visitorId);
  });

  it("refuses a cursor it did not give", async () => {
    const channel = await createWebChannel(h);
    const session = await startSession(client, channel, SHOP);
    const err = await connectErrorOf(
      client.listMessages(
        { anchor: { case: "afterCursor", value: "1 or 1=1" } },
        { headers: pageHeaders(SHOP, session.visitorToken) },
      ),
    );
    assert.equal(err.code, Code.InvalidArgument);
  });
});
