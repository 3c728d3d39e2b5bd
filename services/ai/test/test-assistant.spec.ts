import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ChatRole, FinishReason, UsageOperation } from "@atendo/proto/ai/v1";
import { ModelProvider } from "@atendo/proto/common/v1";
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
