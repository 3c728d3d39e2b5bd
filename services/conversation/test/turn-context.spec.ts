import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ReplyGeneratedSchema } from "@atendo/proto/ai/v1";
import { ChannelType, Direction, SenderKind } from "@atendo/proto/common/v1";
import { ConversationHandler, TurnReadySchema } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { messagesWhen, theConversation } from "./support/db.js";
import { messageReceived, newCustomer, replyGenerated } from "./support/events.js";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

describe("TurnContextService.GetTurnContext", () => {
  let h: Harness;
  // Called as the ai service, the one caller the RPC admits (authorization.spec.ts checks the rest).
  let ai: Clients;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "150" }, { withTenant: true });
    ai = await h.identity.asService("ai");
  });
  after(async () => {
    await h?.stop();
  });

  it("returns the conversation, contact, history and the turn's messages", async () => {
    const c = newCustomer();
    const base = Date.now() - 60_000;
    // Turn 1, answered.
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "one", sentAt: new Date(base) }));
    const conversation = await theConversation(c.channelId);
    const t1 = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: 1,
      answeredMessageIds: t1.messageIds,
      parts: ["two"],
    });
    await h.bus.publish(ReplyGeneratedSchema, reply);
    await h.handled(reply.meta?.eventId);
    // The next turn: two messages (each bumps the epoch: 2, then 3).
    const lastSent = new Date(base + 20_000);
    await h.bus.publish(
      MessageReceivedSchema,
      messageReceived(c, { body: "three", sentAt: new Date(base + 10_000) }),
    );
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "four", sentAt: lastSent }));
    const t2 = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id && t.turnEpoch === 3),
    );
    assert.equal(t2.messageIds.length, 2);

    const res = await ai.turnContexts.getTurnContext({
      tenantId: c.tenantId,
      conversationId: conversation.id,
      messageIds: t2.messageIds,
      turnEpoch: 3,
    });
    assert.equal(res.stale, false);
    assert.equal(res.channelType, ChannelType.WHATSAPP);
    assert.equal(res.conversation?.id, conversation.id);
    assert.equal(res.conversation?.turnEpoch, 3);
    assert.equal(res.conversation?.handler, ConversationHandler.AI);
    assert.equal(res.contact?.identities[0]?.externalId, c.waId);
    assert.equal(res.contact?.name, "Maria Silva");
    assert.deepEqual(
      res.turnMessages.map((m) => [
        m.message?.content.case === "text" ? m.message.content.value.body : "",
        m.direction,
      ]),
      [
        ["three", Direction.INBOUND],
        ["four", Direction.INBOUND],
      ],
    );
    assert.deepEqual(
      res.history.map((m) => [
        m.message?.content.case === "text" ? m.message.content.value.body : "",
        m.senderKind,
      ]),
      [
        ["one", SenderKind.CONTACT],
        ["two", SenderKind.AI],
      ],
      "history, oldest first",
    );
    assert.ok(res.windowExpiresAt);
    assert.equal(timestampDate(res.windowExpiresAt).getTime(), lastSent.getTime() + 24 * 3_600_000);

    const limited = await ai.turnContexts.getTurnContext({
      tenantId: c.tenantId,
      conversationId: conversation.id,
      messageIds: t2.messageIds,
      turnEpoch: 3,
      historyLimit: 1,
    });
    assert.deepEqual(
      limited.history.map((m) => (m.message?.content.case === "text" ? m.message.content.value.body : "")),
      ["two"],
      "the newest history within the limit",
    );
  });

  it("flags a turn whose epoch moved on as stale", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    const t1 = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "one more thing" }));
    await theConversation(c.channelId, (row) => row.turn_epoch === 2);
    await messagesWhen(c.channelId, (r) => r.length === 2);
    const res = await ai.turnContexts.getTurnContext({
      tenantId: c.tenantId,
      conversationId: conversation.id,
      messageIds: t1.messageIds,
      turnEpoch: 1,
    });
    assert.equal(res.stale, true);
    assert.equal(res.conversation?.turnEpoch, 2);
  });

  it("answers not_found for another tenant's conversation and invalid_argument for bad ids", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    const [message] = await messagesWhen(c.channelId, (r) => r.length === 1);
    await assert.rejects(
      ai.turnContexts.getTurnContext({
        tenantId: newId(),
        conversationId: conversation.id,
        messageIds: [message?.id ?? ""],
        turnEpoch: 1,
      }),
      (err) => err instanceof ConnectError && err.code === Code.NotFound,
    );
    await assert.rejects(
      ai.turnContexts.getTurnContext({
        tenantId: c.tenantId,
        conversationId: "nope",
        messageIds: [],
        turnEpoch: 1,
      }),
      (err) => err instanceof ConnectError && err.code === Code.InvalidArgument,
    );
  });
});
