import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { newId } from "@atendo/db";
import { ChatRole, FinishReason, UsageOperation } from "@atendo/proto/ai/v1";
import { ActorKind, ChannelType, MediaKind, ModelProvider } from "@atendo/proto/common/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, expectConnectError } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { createAssistant, createWorkspace, type Workspace } from "./support/fixtures.js";
import { type Stack, startStack } from "./support/stack.js";

const say = (role: ChatRole, body: string) => ({
  role,
  message: { content: { case: "text" as const, value: { body } } },
});

describe("AiService.TestAssistant", () => {
  let stack: Stack;
  let ws: Workspace;

  before(async () => {
    stack = await startStack();
    ws = await createWorkspace(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  it("answers as the assistant would, sends nothing, and records the usage as a test", async () => {
    const assistantId = await createAssistant(ws);
    const res = await ws.clients.ai.testAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      messages: [
        say(ChatRole.CUSTOMER, "Oi"),
        say(ChatRole.ASSISTANT, "Olá!"),
        say(ChatRole.CUSTOMER, "Tem frete grátis?"),
      ],
    });
    assert.equal(res.offline, true);
    assert.equal(res.provider, ModelProvider.OFFLINE);
    assert.equal(res.finishReason, FinishReason.STOP);
    assert.equal(res.parts.length, 1);
    const body = res.parts[0]?.part.case === "text" ? res.parts[0].part.value.body : "";
    assert.match(body, /ainda não há um modelo de linguagem configurado/);
    assert.deepEqual(res.actions, []);
    assert.deepEqual(res.retrieved, []);

    const rows = await adminQuery<{ operation: string; conversation_id: string | null }>(
      "select operation, conversation_id from ai.usage_records where assistant_id = $1",
      [assistantId],
    );
    assert.deepEqual(rows, [{ operation: "test", conversation_id: null }]);
    const event = await stack.capture.until(
      () => stack.capture.usage.find((u) => u.assistantId === assistantId),
      "UsageRecorded",
    );
    assert.equal(event.operation, UsageOperation.TEST);
    assert.equal(event.meta?.tenantId, ws.tenantId);
    // Called by the owner: the actor is the caller; no conversation, contact or channel.
    assert.equal(event.meta?.actor?.kind, ActorKind.USER);
    assert.equal(event.meta?.actor?.id, ws.userId);
    assert.deepEqual(
      [event.conversationId, event.contactId, event.channelId, event.channelType],
      ["", "", "", ChannelType.UNSPECIFIED],
    );
    // Nothing went to a conversation.
    assert.equal(
      stack.capture.replies.some((r) => r.assistantId === assistantId),
      false,
    );
  });

  it("answers in English for an English assistant and hands off when asked for a person", async () => {
    const assistantId = await createAssistant(ws, { language: "en" });
    const res = await ws.clients.ai.testAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      messages: [say(ChatRole.CUSTOMER, "Can I talk to a human?")],
    });
    const body = res.parts[0]?.part.case === "text" ? res.parts[0].part.value.body : "";
    assert.match(body, /no language model is configured/);
    assert.equal(res.actions[0]?.action.case, "handoff");
  });

  it("answers once per request_id: a retry gets the first answer and spends nothing more", async () => {
    const assistantId = await createAssistant(ws, { language: "en" });
    const request = {
      workspaceId: ws.workspaceId,
      assistantId,
      messages: [say(ChatRole.CUSTOMER, "Do you ship abroad?")],
      requestId: randomUUID(),
    };
    const first = await ws.clients.ai.testAssistant(request);
    const retried = await ws.clients.ai.testAssistant(request);
    assert.deepEqual(retried, first);
    const rows = await adminQuery("select 1 from ai.usage_records where assistant_id = $1", [assistantId]);
    assert.equal(rows.length, 1, "one model call, one usage record");

    const reused = await expectConnectError(
      ws.clients.ai.testAssistant({ ...request, messages: [say(ChatRole.CUSTOMER, "Something else?")] }),
      Code.InvalidArgument,
      { message: /request_id/ },
    );
    assert.equal(errorInfoOf(reused)?.reason, "REQUEST_ID_REUSED");
    assert.equal(
      (await adminQuery("select 1 from ai.usage_records where assistant_id = $1", [assistantId])).length,
      1,
    );
  });

  it("takes the customer's messages as MessageInput: media is read by its caption", async () => {
    const assistantId = await createAssistant(ws, { language: "en" });
    const res = await ws.clients.ai.testAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      messages: [
        {
          role: ChatRole.CUSTOMER,
          message: {
            content: {
              case: "media",
              value: {
                kind: MediaKind.IMAGE,
                url: "https://shop.test/a.jpg",
                caption: "I want a human please",
              },
            },
          },
        },
      ],
    });
    // The caption asked for a person: the offline provider hands off.
    assert.equal(res.actions[0]?.action.case, "handoff");
  });

  it("rejects bad requests naming the problem, and unknown assistants", async () => {
    const assistantId = await createAssistant(ws);
    await expectConnectError(
      ws.clients.ai.testAssistant({
        workspaceId: ws.workspaceId,
        assistantId,
        messages: [say(ChatRole.CUSTOMER, "Oi"), say(ChatRole.ASSISTANT, "Olá!")],
      }),
      Code.InvalidArgument,
      { message: /last message must be from the customer/ },
    );
    await expectConnectError(
      ws.clients.ai.testAssistant({ workspaceId: ws.workspaceId, assistantId, messages: [] }),
      Code.InvalidArgument,
      { message: /messages/ },
    );
    const missing = newId();
    await expectConnectError(
      ws.clients.ai.testAssistant({
        workspaceId: ws.workspaceId,
        assistantId: missing,
        messages: [say(ChatRole.CUSTOMER, "Oi")],
      }),
      Code.NotFound,
      { message: new RegExp(`assistant ${missing} not found`) },
    );
    // Another tenant's owner, in their own workspace, cannot reach this tenant's assistant.
    const other = await createWorkspace(stack);
    await expectConnectError(
      other.clients.ai.testAssistant({
        workspaceId: other.workspaceId,
        assistantId,
        messages: [say(ChatRole.CUSTOMER, "Oi")],
      }),
      Code.NotFound,
      { message: /not found/ },
    );
  });
});
