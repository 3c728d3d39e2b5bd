import assert from "node:assert/strict";
import { ReplyGeneratedSchema } from "@atendo/proto/ai/v1";
import { ChannelType, MessageStatus } from "@atendo/proto/common/v1";
import {
  ConversationHandedOffSchema,
  HandoffSource,
  MessageStoredSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { messagesOfChannel, messagesWhen, theConversation } from "./support/db.js";
import {
  type Customer,
  messageReceived,
  newCustomer,
  replyGenerated,
  routingOf,
  routingOfRow,
  statusChanged,
} from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("echoes of the business's own messages", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "100" });
  });
  after(async () => {
    await h?.stop();
  });

  /** A customer's question answered by the AI: the reply is a PENDING outbound message. */
  async function answered(c: Customer, channelType = ChannelType.WHATSAPP, reply = "We open at 9.") {
    await h.bus.publish(
      MessageReceivedSchema,
      messageReceived(c, { channelType, body: "When do you open?" }),
    );
    const conversation = await theConversation(c.channelId);
    const turn = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    const event = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
      parts: [reply],
    });
    await h.bus.publish(ReplyGeneratedSchema, event);
    await h.handled(event.meta?.eventId);
    const rows = await messagesWhen(c.channelId, (r) => r.some((m) => m.sender_kind === "AI"));
    const own = rows.find((m) => m.sender_kind === "AI");
    assert.ok(own);
    assert.equal(own.status, "PENDING");
    return { conversation, own };
  }

  it("confirms our Instagram send by the mid delivery recorded: at least SENT, no copy, no handoff", async () => {
    const c = newCustomer();
    const { conversation, own } = await answered(c, ChannelType.INSTAGRAM);
    // Delivery recorded the mid the send returned while the message is still PENDING on our side.
    const mid = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA";
    const status = statusChanged(c, {
      conversationId: conversation.id,
      messageId: own.id,
      status: MessageStatus.PENDING,
      externalMessageId: mid,
      channelType: ChannelType.INSTAGRAM,
    });
    await h.bus.publish(StatusChangedSchema, status);
    await h.handled(status.meta?.eventId);

    const echo = messageReceived(c, {
      channelType: ChannelType.INSTAGRAM,
      body: "We open at 9.",
      isEcho: true,
      externalMessageId: mid,
    });
    await h.bus.publish(MessageReceivedSchema, echo);
    // The same echo again (Meta retries): still nothing new.
    await h.bus.publish(MessageReceivedSchema, echo, { msgId: `${echo.meta?.eventId}-again` });
    await h.handled(echo.meta?.eventId, 2);

    const rows = await messagesOfChannel(c.channelId);
    assert.equal(rows.length, 2, "no second copy of our reply");
    const confirmed = rows.find((m) => m.id === own.id);
    assert.equal(confirmed?.external_id, mid);
    assert.equal(confirmed?.status, "SENT", "the echo proves the channel took it");
    assert.equal((await theConversation(c.channelId)).handler, "AI", "our own send pauses nothing");
    assert.equal(
      h.captured.of(ConversationHandedOffSchema).filter((e) => e.conversationId === conversation.id).length,
      0,
    );
  });

  it("matches an echo that overtook delivery's report to our PENDING send with the same text", async () => {
    const c = newCustomer();
    const { conversation, own } = await answered(c, ChannelType.WHATSAPP, "Our address is Rua A, 10.");
    const echo = messageReceived(c, { body: "Our address is Rua A, 10.", isEcho: true });
    await h.bus.publish(MessageReceivedSchema, echo);
    await h.handled(echo.meta?.eventId);

    const rows = await messagesOfChannel(c.channelId);
    assert.equal(rows.length, 2);
    const confirmed = rows.find((m) => m.id === own.id);
    assert.equal(confirmed?.external_id, echo.externalMessageId, "the send took the echo's id");
    assert.equal(confirmed?.status, "SENT");
    // Delivery's late report with that id finds it already there.
    const status = statusChanged(c, {
      conversationId: conversation.id,
      messageId: own.id,
      status: MessageStatus.DELIVERED,
      externalMessageId: echo.externalMessageId,
    });
    await h.bus.publish(StatusChangedSchema, status);
    await h.handled(status.meta?.eventId);
    assert.equal((await messagesOfChannel(c.channelId)).find((m) => m.id === own.id)?.status, "DELIVERED");
    assert.equal((await theConversation(c.channelId)).handler, "AI");
  });

  it("takes the same words typed in the app long after an unsent reply for a person", async () => {
    const c = newCustomer();
    const { conversation, own } = await answered(c, ChannelType.WHATSAPP, "Thank you!");
    // Our reply never left (delivery is stuck) and is now old.
    await adminQuery(
      "update conversation.messages set created_at = now() - interval '2 hours' where id = $1",
      [own.id],
    );
    const echo = messageReceived(c, { body: "Thank you!", isEcho: true });
    await h.bus.publish(MessageReceivedSchema, echo);

    const paused = await theConversation(c.channelId, (row) => row.handler === "HUMAN");
    const rows = await messagesWhen(c.channelId, (r) => r.length === 3);
    const person = rows.find((m) => m.external_id === echo.externalMessageId);
    assert.equal(person?.direction, "OUTBOUND");
    assert.equal(person?.sender_kind, "AGENT");
    assert.equal(person?.sender_id, "", "written by a person of the business, outside Atendo");
    assert.equal(rows.find((m) => m.id === own.id)?.external_id, null, "the old send is left alone");
    const handoff = await waitFor(() =>
      h.captured.of(ConversationHandedOffSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.equal(handoff.source, HandoffSource.ECHO);
    assert.deepEqual(routingOf(handoff), routingOfRow(c, paused));
    const stored = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.message?.externalId === echo.externalMessageId),
    );
    assert.deepEqual(routingOf(stored), routingOfRow(c, paused));
  });

  it("stores a person's echo once and hands off once when it is delivered twice", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    const echo = messageReceived(c, { body: "Paulo here, I'll take it from now", isEcho: true });
    await h.bus.publish(MessageReceivedSchema, echo);
    await h.bus.publish(MessageReceivedSchema, echo, { msgId: `${echo.meta?.eventId}-again` });
    await h.handled(echo.meta?.eventId, 2);
    const rows = await messagesOfChannel(c.channelId);
    assert.equal(rows.filter((m) => m.external_id === echo.externalMessageId).length, 1);
    await waitFor(() =>
      h.captured.of(ConversationHandedOffSchema).some((e) => e.conversationId === conversation.id),
    );
    assert.equal(
      h.captured.of(ConversationHandedOffSchema).filter((e) => e.conversationId === conversation.id).length,
      1,
    );
  });
});
