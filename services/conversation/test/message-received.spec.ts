import assert from "node:assert/strict";
import { ActorKind, Direction, SenderKind } from "@atendo/proto/common/v1";
import {
  ConversationHandedOffSchema,
  ConversationHandler,
  ConversationOpenedSchema,
  ConversationReopenedSchema,
  ConversationStatus,
  HandoffSource,
  MessageStoredSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { contactsOfChannel, messagesOfChannel, messagesWhen, theConversation } from "./support/db.js";
import {
  actorOf,
  contactActor,
  messageReceived,
  newCustomer,
  routingOf,
  routingOfRow,
} from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("MessageReceived", () => {
  let h: Harness;

  before(async () => {
    h = await startConversation();
  });
  after(async () => {
    await h?.stop();
  });

  /** Publishes a message on a fresh conversation and waits for its TurnReady: later events are in. */
  async function barrier(): Promise<void> {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id), {
      message: "the barrier's TurnReady",
    });
  }

  it("stores contact, conversation and message once and announces them", async () => {
    const c = newCustomer();
    const event = messageReceived(c, { body: "Hello there", displayName: "Ana" });
    await h.bus.publish(MessageReceivedSchema, event);

    const conversation = await theConversation(c.channelId, (row) => row.turn_epoch === 1);
    assert.equal(conversation.status, "OPEN");
    assert.equal(conversation.handler, "AI");
    assert.equal(conversation.unread_count, 1);
    const contacts = await contactsOfChannel(c.channelId);
    assert.deepEqual(
      contacts.map((k) => [k.external_id, k.display_name]),
      [[c.waId, "Ana"]],
    );
    const [message] = await messagesWhen(c.channelId, (rows) => rows.length === 1);
    assert.equal(message?.direction, "INBOUND");
    assert.equal(message?.sender_kind, "CONTACT");
    assert.equal(message?.external_id, event.externalMessageId);
    assert.equal(message?.text, "Hello there");
    assert.equal(message?.turn_epoch, 1);

    const opened = await waitFor(() =>
      h.captured.of(ConversationOpenedSchema).find((e) => e.conversation?.id === conversation.id),
    );
    assert.equal(opened.conversation?.contact?.identities[0]?.externalId, c.waId);
    assert.equal(opened.conversation?.handler, ConversationHandler.AI);
    assert.equal(opened.meta?.causationId, event.meta?.eventId);
    assert.equal(opened.meta?.correlationId, event.meta?.correlationId);
    // Public events name who acted (the customer) and what they belong to.
    assert.deepEqual(actorOf(opened.meta), contactActor(conversation));
    assert.deepEqual(routingOf(opened), routingOfRow(c, conversation));
    const stored = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.deepEqual(actorOf(stored.meta), contactActor(conversation));
    assert.deepEqual(routingOf(stored), routingOfRow(c, conversation));
    assert.equal(stored.message?.id, message?.id);
    assert.equal(stored.message?.direction, Direction.INBOUND);
    assert.equal(stored.message?.message?.content.case, "text");
  });

  it("stores a message once when ingress publishes it twice under different event ids", async () => {
    const c = newCustomer();
    const first = messageReceived(c, { externalMessageId: "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA" });
    const second = messageReceived(c, { externalMessageId: "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA" });
    assert.notEqual(first.meta?.eventId, second.meta?.eventId);
    await h.bus.publish(MessageReceivedSchema, first);
    await h.bus.publish(MessageReceivedSchema, second);

    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
    await barrier();
    assert.equal((await messagesOfChannel(c.channelId)).length, 1);
    assert.equal((await contactsOfChannel(c.channelId)).length, 1);
    const after = await theConversation(c.channelId);
    assert.equal(after.turn_epoch, 1, "the duplicate started no turn");
    assert.equal(after.unread_count, 1);
    assert.equal(
      h.captured.of(MessageStoredSchema).filter((e) => e.conversationId === conversation.id).length,
      1,
    );
    assert.equal(
      h.captured.of(TurnReadySchema).filter((e) => e.conversationId === conversation.id).length,
      1,
    );
  });

  it("handles a redelivered event once and republishes the same outputs", async () => {
    const c = newCustomer();
    // No channel message id (as some widget messages): only the event id can tell a redelivery.
    const event = messageReceived(c, { externalMessageId: "" });
    await h.bus.publish(MessageReceivedSchema, event);
    // The same event id again, past JetStream's dedupe (another msgID): what a redelivery looks like.
    await h.bus.publish(MessageReceivedSchema, event, { msgId: `${event.meta?.eventId}-redelivered` });

    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
    await barrier();
    assert.equal((await messagesOfChannel(c.channelId)).length, 1);
    assert.equal((await theConversation(c.channelId)).turn_epoch, 1);
    const [inboxRow] = await adminQuery<{ outputs: Array<{ eventType: string }> }>(
      "select outputs from conversation.processed_events where consumer = $1 and event_id = $2",
      ["conversation-message_received", event.meta?.eventId],
    );
    assert.deepEqual(
      inboxRow?.outputs.map((o) => o.eventType),
      ["atendo.conversation.v1.ConversationOpened", "atendo.conversation.v1.MessageStored"],
    );
    const handlings = h.logs.matching((l) => l.event_id === event.meta?.eventId && l.msg === "event handled");
    assert.deepEqual(handlings.map((l) => l.duplicate).sort(), [false, true]);
    const stored = h.captured.of(MessageStoredSchema).filter((e) => e.conversationId === conversation.id);
    // Republished under the same msgID inside the duplicate window: JetStream kept one copy.
    assert.equal(stored.length, 1);
  });

  it("pauses the AI when a person writes from the business app (echo), without a turn", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "Can I help?" }));
    const conversation = await theConversation(c.channelId);
    await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));

    const echo = messageReceived(c, { body: "Hi Maria, Paulo here from the shop", isEcho: true });
    await h.bus.publish(MessageReceivedSchema, echo);
    const paused = await theConversation(c.channelId, (row) => row.handler === "HUMAN");
    assert.equal(paused.status, "OPEN");
    assert.equal(paused.turn_epoch, 1, "an echo starts no turn");
    const rows = await messagesWhen(c.channelId, (r) => r.length === 2);
    const echoRow = rows.find((r) => r.external_id === echo.externalMessageId);
    assert.equal(echoRow?.direction, "OUTBOUND");
    assert.equal(echoRow?.sender_kind, "AGENT");
    assert.equal(echoRow?.status, "SENT");

    const handedOff = await waitFor(() =>
      h.captured.of(ConversationHandedOffSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.equal(handedOff.source, HandoffSource.ECHO);
    assert.equal(handedOff.status, ConversationStatus.OPEN);
    // A person of the business wrote outside Atendo: the business app acted.
    assert.equal(handedOff.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.deepEqual(routingOf(handedOff), routingOfRow(c, conversation));
    const storedEcho = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.message?.externalId === echo.externalMessageId),
    );
    assert.equal(storedEcho.message?.senderKind, SenderKind.AGENT);
    assert.equal(storedEcho.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.deepEqual(routingOf(storedEcho), routingOfRow(c, conversation));

    // The customer writes again: stored, but the paused AI gets no turn.
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "Thanks Paulo" }));
    await messagesWhen(c.channelId, (r) => r.length === 3);
    await barrier();
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      1,
    );
    assert.equal((await theConversation(c.channelId)).turn_epoch, 1);
  });

  it("stores a stale message without answering it", async () => {
    const c = newCustomer();
    const stale = messageReceived(c, { stale: true, sentAt: new Date(Date.now() - 3 * 86_400_000) });
    await h.bus.publish(MessageReceivedSchema, stale);
    const [row] = await messagesWhen(c.channelId, (r) => r.length === 1);
    assert.equal(row?.answerable, false);
    const conversation = await theConversation(c.channelId);
    assert.equal(conversation.turn_epoch, 0);
    await barrier();
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      0,
    );
    assert.equal(await h.redis.zscore(`${h.keyPrefix}buffer:due`, `${c.tenantId}:${conversation.id}`), null);

    // A fresh message afterwards is answered alone: the stale one is not part of the turn.
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "Anyone there?" }));
    const turn = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    const rows = await messagesOfChannel(c.channelId);
    const fresh = rows.find((r) => r.text === "Anyone there?");
    assert.deepEqual(turn.messageIds, [fresh?.id]);
  });

  it("reopens a resolved conversation when the customer writes again", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    // Resolved by a person who had taken it over (the Resolve RPC comes later).
    await adminQuery(
      "update conversation.conversations set status = 'RESOLVED', handler = 'HUMAN', resolved_at = now() where id = $1",
      [conversation.id],
    );
    const again = messageReceived(c, { body: "One more question" });
    await h.bus.publish(MessageReceivedSchema, again);
    const reopened = await theConversation(
      c.channelId,
      (row) => row.status === "OPEN" && row.handler === "AI",
    );
    assert.equal(reopened.id, conversation.id, "the same conversation, not a second one");
    const event = await waitFor(() =>
      h.captured.of(ConversationReopenedSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.deepEqual(actorOf(event.meta), contactActor(conversation));
    assert.deepEqual(routingOf(event), routingOfRow(c, conversation));
    await waitFor(() =>
      h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id && t.turnEpoch === 2),
    );
  });

  it("dead-letters an event it can never store, naming the problem, and keeps going", async () => {
    const c = newCustomer();
    const bad = messageReceived(c);
    bad.channelId = "not-a-channel-id";
    await h.bus.publish(MessageReceivedSchema, bad);
    const [line] = await waitFor(() => {
      const lines = h.logs.matching(
        (l) => l.event_id === bad.meta?.eventId && l.msg === "event dead-lettered",
      );
      return lines.length > 0 ? lines : undefined;
    });
    assert.equal(line?.reason, "channel_id must be a UUID");
    assert.equal((await contactsOfChannel(c.channelId)).length, 0);
    await barrier();
  });
});
