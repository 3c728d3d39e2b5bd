import assert from "node:assert/strict";
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { FinishReason, UsageOperation } from "@atendo/proto/ai/v1";
import { ActorKind, ChannelType, ModelProvider } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { adminQuery } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import {
  createAssistant,
  createSettler,
  createWorkspace,
  repliesOf,
  replyTexts,
  sendMessage,
  turnsOf,
  type Workspace,
} from "./support/fixtures.js";
import { type Stack, startStack } from "./support/stack.js";

describe("ai: answering TurnReady", () => {
  let stack: Stack;
  let ws: Workspace;
  let settle: () => Promise<void>;

  before(async () => {
    stack = await startStack();
    ws = await createWorkspace(stack);
    const marker = await stack.identity.createWebChannel(ws);
    await createAssistant(ws, { channelId: marker });
    settle = createSettler(stack, ws, marker);
  });
  after(async () => {
    await stack?.stop();
  });

  /** A channel answered by a new offline assistant. */
  async function answeredChannel(options: { language?: string; handoffKeywords?: string[] } = {}) {
    const channelId = await stack.identity.createWebChannel(ws);
    const assistantId = await createAssistant(ws, { ...options, channelId });
    return { channelId, assistantId };
  }

  it("answers the turn's epoch and messages in pt-BR, records usage and announces it", async () => {
    const { channelId, assistantId } = await answeredChannel();
    // Both inside one reply buffer: conversation publishes one turn listing both.
    await sendMessage(stack, ws, channelId, "c-1", "Oi!");
    await sendMessage(stack, ws, channelId, "c-1", "Qual o horário de vocês?");

    const reply = await stack.capture.until(() => repliesOf(stack, channelId)[0], "a reply");
    const turn = turnsOf(stack, channelId).find((t) => t.meta?.eventId === reply.meta?.causationId);
    assert.ok(turn, "the reply answers a TurnReady of the channel");
    assert.equal(turn.messageIds.length, 2);
    assert.equal(reply.conversationId, turn.conversationId);
    assert.equal(reply.turnEpoch, turn.turnEpoch);
    assert.deepEqual(reply.answeredMessageIds, turn.messageIds);
    assert.equal(reply.assistantId, assistantId);
    assert.equal(reply.meta?.tenantId, ws.tenantId);
    assert.equal(reply.meta?.correlationId, turn.meta?.correlationId);
    // The assistant answered: it is the actor, by id and name.
    assert.equal(reply.meta?.actor?.kind, ActorKind.ASSISTANT);
    assert.equal(reply.meta?.actor?.id, assistantId);
    assert.match(reply.meta?.actor?.displayName ?? "", /^Assistant /);
    assert.equal(reply.provider, ModelProvider.OFFLINE);
    assert.equal(reply.offline, true);
    assert.equal(reply.finishReason, FinishReason.STOP);
    assert.deepEqual(reply.actions, []);
    const [text] = replyTexts(reply);
    assert.match(text ?? "", /ainda não há um modelo de linguagem configurado/);
    assert.match(text ?? "", /Uma pessoa da nossa equipe vai dar continuidade/);

    const rows = await adminQuery<{
      operation: string;
      provider: string;
      assistant_id: string;
      conversation_id: string;
    }>(
      "select operation, provider, assistant_id, conversation_id from ai.usage_records where source_event_id = $1",
      [turn.meta?.eventId],
    );
    assert.deepEqual(rows, [
      {
        operation: "reply",
        provider: "offline",
        assistant_id: assistantId,
        conversation_id: turn.conversationId,
      },
    ]);
    const usage = await stack.capture.until(
      () => stack.capture.usage.find((u) => u.meta?.causationId === turn.meta?.eventId),
      "UsageRecorded",
    );
    assert.equal(usage.operation, UsageOperation.REPLY);
    // Public: it names the actor and the conversation's contact and channel, so a subscriber
    // needs no call back.
    assert.deepEqual(usage.meta?.actor, reply.meta?.actor);
    const { conversation } = await ws.clients.conversations.getConversation({
      workspaceId: ws.workspaceId,
      conversationId: turn.conversationId,
    });
    assert.ok(conversation?.contact?.id);
    assert.equal(usage.conversationId, turn.conversationId);
    assert.equal(usage.contactId, conversation.contact.id);
    assert.equal(usage.channelId, channelId);
    assert.equal(usage.channelType, ChannelType.WEB);
  });

  it("answers in English for an English assistant", async () => {
    const { channelId } = await answeredChannel({ language: "en" });
    await sendMessage(stack, ws, channelId, "c-en", "Olá, tudo bem?");
    const reply = await stack.capture.until(() => repliesOf(stack, channelId)[0], "a reply");
    const [text] = replyTexts(reply);
    assert.match(text ?? "", /no language model is configured/);
    assert.match(text ?? "", /A person from our team will follow up/);
  });

  it("hands off when the customer asks for a person", async () => {
    const { channelId } = await answeredChannel();
    await sendMessage(stack, ws, channelId, "c-h", "Quero falar com um atendente, por favor");
    const reply = await stack.capture.until(() => repliesOf(stack, channelId)[0], "a reply");
    assert.equal(reply.actions.length, 1);
    assert.equal(reply.actions[0]?.action.case, "handoff");
    assert.match(replyTexts(reply)[0] ?? "", /Já avisei a nossa equipe/);
  });

  it("hands off silently on the assistant's own keyword when it has no handoff message", async () => {
    const { channelId } = await answeredChannel({ handoffKeywords: ["cancelar pedido"] });
    await sendMessage(stack, ws, channelId, "c-k", "Preciso cancelar pedido 123");
    const reply = await stack.capture.until(() => repliesOf(stack, channelId)[0], "a reply");
    assert.equal(reply.actions[0]?.action.case, "handoff");
    assert.deepEqual(reply.parts, []);
    assert.equal(reply.finishReason, FinishReason.TOOL_CALLS);
  });

  it("handles a redelivered TurnReady once: one reply (same msgID) and one usage record", async () => {
    const { channelId } = await answeredChannel();
    await sendMessage(stack, ws, channelId, "c-r", "Bom dia");
    const first = await stack.capture.until(() => repliesOf(stack, channelId)[0], "a reply");
    const turn = turnsOf(stack, channelId).find((t) => t.meta?.eventId === first.meta?.causationId);
    assert.ok(turn);

    // The same event (same event id) again, as a redelivery: another msgID so the stream keeps it.
    const ack = await stack.bus.publish(TurnReadySchema, turn, { msgId: `redelivery-${newId()}` });
    assert.equal(ack.duplicate, false);
    await settle();

    assert.equal(repliesOf(stack, channelId).length, 1);
    const rows = await adminQuery("select id from ai.usage_records where source_event_id = $1", [
      turn.meta?.eventId,
    ]);
    assert.equal(rows.length, 1);
    assert.equal(stack.capture.usage.filter((u) => u.meta?.causationId === turn.meta?.eventId).length, 1);
  });

  it("leaves a channel without an assistant to people", async () => {
    const channelId = await stack.identity.createWebChannel(ws);
    await sendMessage(stack, ws, channelId, "c-none", "Alguém aí?");
    const turn = await stack.capture.until(() => turnsOf(stack, channelId)[0], "a TurnReady");
    await settle();
    assert.deepEqual(repliesOf(stack, channelId), []);
    const rows = await adminQuery("select 1 from ai.usage_records where source_event_id = $1", [
      turn.meta?.eventId,
    ]);
    assert.equal(rows.length, 0);
  });

  it("leaves a channel whose assistant is disabled to people", async () => {
    const { channelId, assistantId } = await answeredChannel();
    await ws.clients.assistants.updateAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      updateMask: { paths: ["enabled"] },
      enabled: false,
    });
    await sendMessage(stack, ws, channelId, "c-off", "Oi");
    await stack.capture.until(() => turnsOf(stack, channelId)[0], "a TurnReady");
    await settle();
    assert.deepEqual(repliesOf(stack, channelId), []);
  });

  it("drops a stale turn: a newer message moved the conversation's epoch on", async () => {
    const { channelId } = await answeredChannel();
    await sendMessage(stack, ws, channelId, "c-s", "Primeira pergunta");
    const firstReply = await stack.capture.until(() => repliesOf(stack, channelId)[0], "the first reply");
    const oldTurn = turnsOf(stack, channelId).find((t) => t.meta?.eventId === firstReply.meta?.causationId);
    assert.ok(oldTurn?.meta);
    await sendMessage(stack, ws, channelId, "c-s", "Segunda pergunta");
    const secondReply = await stack.capture.until(() => repliesOf(stack, channelId)[1], "the second reply");
    assert.ok(secondReply.turnEpoch > oldTurn.turnEpoch);

    // The old turn arrives again as a new event (a late flush): its epoch is no longer current.
    const late = create(TurnReadySchema, {
      ...oldTurn,
      meta: newEventMeta({ tenantId: ws.tenantId, workspaceId: ws.workspaceId, correlationId: newId() }),
    });
    await stack.bus.publish(TurnReadySchema, late);
    await settle();
    assert.equal(repliesOf(stack, channelId).length, 2);
    assert.equal(
      stack.capture.replies.some((r) => r.meta?.causationId === late.meta?.eventId),
      false,
    );
  });
});
