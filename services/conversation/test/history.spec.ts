import assert from "node:assert/strict";
import { Direction } from "@atendo/proto/common/v1";
import {
  ConversationHandedOffSchema,
  ConversationHandler,
  MessageStoredSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { conversationsOfChannel, messagesOfChannel, messagesWhen, theConversation } from "./support/db.js";
import { bodyOf, messageReceived, newCustomer } from "./support/events.js";
import { type Clients, type Harness, startConversation } from "./support/harness.js";

const DAY = 86_400_000;

describe("imported history (WhatsApp coexistence)", () => {
  let h: Harness;
  let ai: Clients;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "150" }, { withTenant: true });
    ai = await h.identity.asService("ai");
  });
  after(async () => {
    await h?.stop();
  });

  /** A message on a fresh conversation answered by its TurnReady: everything published earlier is handled. */
  async function barrier(): Promise<void> {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
  }

  it("stores past chats at their own time and direction, answering, pausing and counting nothing", async () => {
    const c = newCustomer();
    const t0 = Date.now() - 30 * DAY;
    const asked = messageReceived(c, { body: "Do you ship to Recife?", history: true, sentAt: new Date(t0) });
    const replied = messageReceived(c, {
      body: "Yes, in 3 days",
      history: true,
      isEcho: true,
      historyStatus: "READ",
      sentAt: new Date(t0 + 60_000),
    });
    // The import delivers the business's answer first.
    await h.bus.publish(MessageReceivedSchema, replied);
    await h.bus.publish(MessageReceivedSchema, asked);
    await h.bus.publish(MessageReceivedSchema, asked, { msgId: `${asked.meta?.eventId}-again` });
    await h.handled(asked.meta?.eventId, 2);
    await barrier();

    const rows = await messagesOfChannel(c.channelId);
    assert.deepEqual(
      rows.map((m) => [
        m.text,
        m.direction,
        m.sender_kind,
        m.status,
        m.history,
        m.answerable,
        m.sort_at.getTime(),
      ]),
      [
        ["Do you ship to Recife?", "INBOUND", "CONTACT", null, true, false, t0],
        ["Yes, in 3 days", "OUTBOUND", "AGENT", "READ", true, false, t0 + 60_000],
      ],
      "in the channel's order, each in its direction",
    );
    const conversation = await theConversation(c.channelId);
    assert.equal(conversation.handler, "AI", "the business's past replies pause nothing");
    assert.equal(conversation.turn_epoch, 0);
    assert.equal(conversation.unread_count, 0);
    assert.equal(conversation.last_inbound_at, null, "no 24 h window from the past");
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      0,
    );
    assert.equal(
      h.captured.of(ConversationHandedOffSchema).filter((e) => e.conversationId === conversation.id).length,
      0,
    );
    const stored = h.captured.of(MessageStoredSchema).filter((e) => e.conversationId === conversation.id);
    assert.deepEqual(stored.map((e) => [e.message?.history, e.message?.direction]).sort(), [
      [true, Direction.INBOUND],
      [true, Direction.OUTBOUND],
    ]);
  });

  it("dedupes history against live traffic by the channel's id, in either order", async () => {
    const c = newCustomer();
    const liveFirst = messageReceived(c, { body: "live, then imported" });
    await h.bus.publish(MessageReceivedSchema, liveFirst);
    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
    const importedCopy = messageReceived(c, {
      body: "live, then imported",
      history: true,
      externalMessageId: liveFirst.externalMessageId,
      sentAt: new Date(Date.now() - 1_000),
    });
    await h.bus.publish(MessageReceivedSchema, importedCopy);
    await h.handled(importedCopy.meta?.eventId);

    const imported = messageReceived(c, {
      body: "imported, then live",
      history: true,
      sentAt: new Date(Date.now() - DAY),
    });
    await h.bus.publish(MessageReceivedSchema, imported);
    await h.handled(imported.meta?.eventId);
    const liveCopy = messageReceived(c, {
      body: "imported, then live",
      externalMessageId: imported.externalMessageId,
    });
    await h.bus.publish(MessageReceivedSchema, liveCopy);
    await h.handled(liveCopy.meta?.eventId);

    const rows = await messagesOfChannel(c.channelId);
    assert.deepEqual(
      rows.map((m) => [m.text, m.history]),
      [
        ["imported, then live", true],
        ["live, then imported", false],
      ],
    );
    assert.equal((await theConversation(c.channelId)).turn_epoch, 1, "only the live message started a turn");
  });

  it("never reopens a resolved conversation", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    await adminQuery(
      "update conversation.conversations set status = 'RESOLVED', resolved_at = now() where id = $1",
      [conversation.id],
    );
    const past = messageReceived(c, {
      body: "from last month",
      history: true,
      sentAt: new Date(Date.now() - 30 * DAY),
    });
    await h.bus.publish(MessageReceivedSchema, past);
    await h.handled(past.meta?.eventId);
    const rows = await conversationsOfChannel(c.channelId);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      [[conversation.id, "RESOLVED"]],
    );
    assert.equal((await messagesOfChannel(c.channelId)).length, 2);
  });

  it("gives the assistant history imported after the turn as past messages, in the channel's order", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "Is my order ready?" }));
    const conversation = await theConversation(c.channelId);
    const turn = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    // The import runs after the customer wrote (it can take hours).
    const t0 = Date.now() - 10 * DAY;
    for (const [i, [body, isEcho]] of (
      [
        ["I'd like two cakes for Saturday", false],
        ["Noted, order 118", true],
      ] as const
    ).entries()) {
      await h.bus.publish(
        MessageReceivedSchema,
        messageReceived(c, { body, isEcho, history: true, sentAt: new Date(t0 + i * 60_000) }),
      );
    }
    await messagesWhen(c.channelId, (r) => r.length === 3);

    const res = await ai.turnContexts.getTurnContext({
      tenantId: c.tenantId,
      conversationId: conversation.id,
      messageIds: turn.messageIds,
      turnEpoch: turn.turnEpoch,
    });
    assert.deepEqual(
      res.history.map((m) => [bodyOf(m), m.direction, m.history]),
      [
        ["I'd like two cakes for Saturday", Direction.INBOUND, true],
        ["Noted, order 118", Direction.OUTBOUND, true],
      ],
    );
    assert.deepEqual(
      res.turnMessages.map((m) => bodyOf(m)),
      ["Is my order ready?"],
    );
    assert.equal(res.conversation?.handler, ConversationHandler.AI);
    assert.equal(res.stale, false, "the import moved no epoch");
  });
});
