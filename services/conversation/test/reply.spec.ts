import assert from "node:assert/strict";
import { FinishReason, ReplyGeneratedSchema, ToolActionSchema } from "@atendo/proto/ai/v1";
import { ActorKind, MessageStatus, SenderKind } from "@atendo/proto/common/v1";
import {
  ContactUpdatedSchema,
  ConversationHandedOffSchema,
  ConversationOpenedSchema,
  ConversationStatus,
  HandoffSource,
  MessageStoredSchema,
  OutboundCreatedSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { messagesOfChannel, messagesWhen, theConversation } from "./support/db.js";
import {
  actorOf,
  type Customer,
  messageReceived,
  newCustomer,
  replyGenerated,
  routingOf,
  routingOfRow,
} from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("ReplyGenerated", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "200" });
  });
  after(async () => {
    await h?.stop();
  });

  const turnsOf = (conversationId: string) =>
    h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversationId);

  /** The assistant's reply to a turn. */
  const answerTo = (
    c: Customer,
    conversation: { id: string },
    turn: { turnEpoch: number; messageIds: string[] },
    init: { parts?: string[] } = {},
  ) =>
    replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
      ...init,
    });

  async function firstTurn(c: Customer, body = "What are your opening hours?") {
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body }));
    const conversation = await theConversation(c.channelId);
    const turn = await waitFor(() => turnsOf(conversation.id)[0]);
    return { conversation, turn };
  }

  it("drops a reply overtaken by a new message and answers everything in the next turn", async () => {
    const c = newCustomer();
    const { conversation, turn: t1 } = await firstTurn(c);
    assert.equal(t1.turnEpoch, 1);

    // The customer writes again while the assistant is generating the reply to turn 1.
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { body: "And on holidays?" }));
    await theConversation(c.channelId, (row) => row.turn_epoch === 2);

    const stale = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: 1,
      answeredMessageIds: t1.messageIds,
    });
    await h.bus.publish(ReplyGeneratedSchema, stale);
    await h.handled(stale.meta?.eventId);
    assert.equal((await messagesOfChannel(c.channelId)).filter((m) => m.direction === "OUTBOUND").length, 0);
    assert.equal((await theConversation(c.channelId)).answered_epoch, 0);
    assert.equal(
      h.captured.of(OutboundCreatedSchema).filter((o) => o.conversationId === conversation.id).length,
      0,
    );

    const t2 = await waitFor(() => turnsOf(conversation.id).find((t) => t.turnEpoch === 2));
    const inbound = (await messagesOfChannel(c.channelId)).filter((m) => m.direction === "INBOUND");
    assert.deepEqual(
      t2.messageIds,
      inbound.map((m) => m.id),
      "the second turn covers both messages",
    );

    const fresh = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: 2,
      answeredMessageIds: t2.messageIds,
      parts: ["We open 9-18 on weekdays.", "Holidays: closed."],
    });
    await h.bus.publish(ReplyGeneratedSchema, fresh);
    const rows = await messagesWhen(
      c.channelId,
      (r) => r.filter((m) => m.direction === "OUTBOUND").length === 2,
    );
    const outbound = rows.filter((m) => m.direction === "OUTBOUND");
    assert.deepEqual(
      outbound.map((m) => [m.sender_kind, m.status, m.text, m.part_index, m.part_count, m.turn_epoch]),
      [
        ["AI", "PENDING", "We open 9-18 on weekdays.", 0, 2, 2],
        ["AI", "PENDING", "Holidays: closed.", 1, 2, 2],
      ],
    );
    assert.ok(rows.filter((m) => m.direction === "INBOUND").every((m) => m.answered_at !== null));
    const answered = await theConversation(c.channelId, (row) => row.answered_epoch === 2);
    assert.equal(answered.handler, "AI");

    const created = await waitFor(() => {
      const all = h.captured.of(OutboundCreatedSchema).filter((o) => o.conversationId === conversation.id);
      return all.length === 2 ? all.sort((a, b) => a.partIndex - b.partIndex) : undefined;
    });
    assert.deepEqual(
      created.map((o) => [
        o.messageId,
        o.recipientExternalId,
        o.senderKind,
        o.turnEpoch,
        o.partIndex,
        o.partCount,
      ]),
      outbound.map((m) => [m.id, c.waId, SenderKind.AI, 2, m.part_index, 2]),
    );
    assert.equal(created[0]?.message?.content.case, "text");
    assert.equal(created[0]?.channelId, c.channelId);
    assert.equal(created[0]?.meta?.causationId, fresh.meta?.eventId);
  });

  it("stores a redelivered reply once and emits its OutboundCreated once", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c);
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
    });
    await h.bus.publish(ReplyGeneratedSchema, reply);
    await h.bus.publish(ReplyGeneratedSchema, reply, { msgId: `${reply.meta?.eventId}-redelivered` });
    await h.handled(reply.meta?.eventId, 2);
    const handlings = h.logs.matching((l) => l.event_id === reply.meta?.eventId && l.msg === "event handled");
    assert.deepEqual(
      handlings.map((l) => l.duplicate).sort(),
      [false, true],
      "the second delivery was recognised by its event id",
    );

    const outbound = (await messagesOfChannel(c.channelId)).filter((m) => m.direction === "OUTBOUND");
    assert.equal(outbound.length, 1);
    const created = await waitFor(() =>
      h.captured.of(OutboundCreatedSchema).find((o) => o.conversationId === conversation.id),
    );
    assert.equal(created.messageId, outbound[0]?.id);
    assert.equal(
      h.captured.of(OutboundCreatedSchema).filter((o) => o.conversationId === conversation.id).length,
      1,
    );
    const stored = h.captured
      .of(MessageStoredSchema)
      .filter((e) => e.conversationId === conversation.id && e.message?.senderKind === SenderKind.AI);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.message?.status, MessageStatus.PENDING);
    // The assistant wrote it, in this conversation of this contact on this channel.
    assert.ok(stored[0]);
    assert.deepEqual(actorOf(stored[0].meta), [ActorKind.ASSISTANT, reply.assistantId]);
    assert.deepEqual(routingOf(stored[0]), routingOfRow(c, conversation));
  });

  it("drops a second reply to an answered turn", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c);
    const init = {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
    };
    const first = replyGenerated(c, init);
    const second = replyGenerated(c, { ...init, parts: ["A second answer nobody asked for"] });
    await h.bus.publish(ReplyGeneratedSchema, first);
    await h.handled(first.meta?.eventId);
    await h.bus.publish(ReplyGeneratedSchema, second);
    await h.handled(second.meta?.eventId);
    const outbound = (await messagesOfChannel(c.channelId)).filter((m) => m.direction === "OUTBOUND");
    assert.equal(outbound.length, 1);
    assert.notEqual(outbound[0]?.text, "A second answer nobody asked for");
  });

  it("hands the conversation to a person when the assistant asks for it", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c, "I want to talk to a human");
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
      parts: ["I am passing you to a colleague."],
      handoffReason: "customer asked for a person",
    });
    await h.bus.publish(ReplyGeneratedSchema, reply);
    const after = await theConversation(c.channelId, (row) => row.handler === "HUMAN");
    assert.equal(after.status, "PENDING_HUMAN");
    assert.equal(after.answered_epoch, 1);
    const handedOff = await waitFor(() =>
      h.captured.of(ConversationHandedOffSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.equal(handedOff.source, HandoffSource.AI);
    assert.equal(handedOff.reason, "customer asked for a person");
    assert.equal(handedOff.status, ConversationStatus.PENDING_HUMAN);
    assert.deepEqual(actorOf(handedOff.meta), [ActorKind.ASSISTANT, reply.assistantId]);
    assert.deepEqual(routingOf(handedOff), routingOfRow(c, conversation));
    await waitFor(() =>
      h.captured.of(OutboundCreatedSchema).some((o) => o.conversationId === conversation.id),
    );

    // The paused AI gets no turn for the next message.
    const next = messageReceived(c, { body: "Hello?" });
    await h.bus.publish(MessageReceivedSchema, next);
    await h.handled(next.meta?.eventId);
    assert.equal((await theConversation(c.channelId)).turn_epoch, 1);
    assert.equal(await h.redis.zscore(`${h.keyPrefix}buffer:due`, `${c.tenantId}:${conversation.id}`), null);
  });

  it("hands the conversation to a person in the system's name when the assistant could not answer", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c);
    const failed = answerTo(c, conversation, turn, { parts: [] });
    failed.finishReason = FinishReason.ERROR;
    failed.error = "the model provider timed out";
    await h.bus.publish(ReplyGeneratedSchema, failed);
    const handedOff = await waitFor(() =>
      h.captured.of(ConversationHandedOffSchema).find((e) => e.conversationId === conversation.id),
    );
    assert.equal(handedOff.source, HandoffSource.FAILURE);
    assert.equal(handedOff.meta?.actor?.kind, ActorKind.SYSTEM);
    assert.deepEqual(routingOf(handedOff), routingOfRow(c, conversation));
  });

  it("announces the assistant's contact changes in the assistant's name", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c);
    const reply = answerTo(c, conversation, turn);
    reply.actions.push(
      create(ToolActionSchema, { action: { case: "tagContact", value: { tags: ["lead"] } } }),
    );
    await h.bus.publish(ReplyGeneratedSchema, reply);
    const updated = await waitFor(() =>
      h.captured.of(ContactUpdatedSchema).find((e) => e.contact?.id === conversation.contact_id),
    );
    assert.deepEqual(updated.changedFields, ["tags"]);
    assert.deepEqual(updated.contact?.tags, ["lead"]);
    assert.deepEqual(actorOf(updated.meta), [ActorKind.ASSISTANT, reply.assistantId]);
    // The contact's etag moved with the change (AIP-154).
    const opened = h.captured
      .of(ConversationOpenedSchema)
      .find((e) => e.conversation?.id === conversation.id);
    const before = opened?.conversation?.contact?.etag ?? "";
    assert.notEqual(before, "");
    assert.notEqual(updated.contact?.etag, before);
  });

  it("takes the echo of its own send as confirmation, not as a person writing", async () => {
    const c = newCustomer();
    const { conversation, turn } = await firstTurn(c);
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
      parts: ["Our hours are 9 to 18."],
    });
    await h.bus.publish(ReplyGeneratedSchema, reply);
    await h.handled(reply.meta?.eventId);

    // Instagram echoes every message the account sends, ours included, sometimes before delivery
    // reports the send.
    const echo = messageReceived(c, { body: "Our hours are 9 to 18.", isEcho: true });
    await h.bus.publish(MessageReceivedSchema, echo);
    await h.handled(echo.meta?.eventId);
    const rows = await messagesOfChannel(c.channelId);
    assert.equal(rows.length, 2, "no message stored for the echo");
    const own = rows.find((m) => m.direction === "OUTBOUND");
    assert.equal(own?.external_id, echo.externalMessageId);
    assert.equal(own?.status, "SENT");
    assert.equal((await theConversation(c.channelId)).handler, "AI");
  });
});
