import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { ChatRole, FinishReason, type ReplyGenerated } from "@atendo/proto/ai/v1";
import { ActorKind, ModelProvider } from "@atendo/proto/common/v1";
import { ConversationHandler, ConversationStatus } from "@atendo/proto/conversation/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, expectConnectError, waitFor } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import { createPlanLimits } from "../src/clients/plan-limits.js";
import {
  createAssistant,
  createSettler,
  createWorkspace,
  repliesOf,
  sendMessage,
  setMonthlyAiMessages,
  turnsOf,
  type Workspace,
} from "./support/fixtures.js";
import { type Stack, startStack } from "./support/stack.js";

const USED_UP = /monthly AI messages are used up \((\d+) of (\d+) in \d{4}-\d{2}, UTC\)/;

describe("ai: the plan's monthly AI messages", () => {
  let stack: Stack;
  let settle: () => Promise<void>;

  before(async () => {
    stack = await startStack();
    // The marker lives in an unlimited tenant of its own.
    const markerWs = await createWorkspace(stack);
    const marker = await stack.identity.createWebChannel(markerWs);
    await createAssistant(markerWs, { channelId: marker });
    settle = createSettler(stack, markerWs, marker);
  });
  after(async () => {
    await stack?.stop();
  });

  /** A channel of `ws` answered by a new offline assistant. */
  async function answeredChannel(ws: Workspace, handoffKeywords: string[] = []): Promise<string> {
    const channelId = await stack.identity.createWebChannel(ws);
    await createAssistant(ws, { channelId, handoffKeywords });
    return channelId;
  }

  /** The `index`-th reply on the channel, once it arrives. */
  function nthReply(channelId: string, index: number): Promise<ReplyGenerated> {
    return stack.capture.until(() => repliesOf(stack, channelId)[index], `reply ${index} on ${channelId}`);
  }

  /** A new customer (so a new conversation) writes on the channel; resolves with the reply. */
  async function newCustomerWrites(ws: Workspace, channelId: string, index: number): Promise<ReplyGenerated> {
    await sendMessage(stack, ws, channelId, `customer-${newId()}`, "Oi, vocês abrem sábado?");
    return nthReply(channelId, index);
  }

  function playground(ws: Workspace, assistantId: string) {
    return ws.clients.ai.testAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      messages: [{ role: ChatRole.CUSTOMER, message: { content: { case: "text", value: { body: "Oi" } } } }],
    });
  }

  /** Polls the playground until it answers: the ai service's cached limit has expired. */
  async function untilPlaygroundAnswers(ws: Workspace, assistantId: string): Promise<void> {
    await waitFor(
      async () => {
        try {
          return (await playground(ws, assistantId)).parts.length > 0;
        } catch (err) {
          if (ConnectError.from(err).code === Code.ResourceExhausted) return false;
          throw err;
        }
      },
      { message: "the playground to answer after the limit changed", timeoutMs: 10_000 },
    );
  }

  async function replyRowsOf(tenantId: string): Promise<Array<{ reply_parts: number }>> {
    return adminQuery<{ reply_parts: number }>(
      "select reply_parts from ai.usage_records where tenant_id = $1 and operation = 'reply' order by created_at",
      [tenantId],
    );
  }

  function assertQuotaHandoff(reply: ReplyGenerated, limit: number): void {
    assert.deepEqual(reply.parts, [], "nothing is said to the customer");
    assert.equal(reply.actions.length, 1);
    const action = reply.actions[0]?.action;
    assert.equal(action?.case, "handoff");
    const match = action?.case === "handoff" ? USED_UP.exec(action.value.reason) : null;
    assert.ok(match, "the handoff says the plan's monthly AI messages are used up");
    assert.equal(Number(match[2]), limit);
    assert.ok(Number(match[1]) >= limit);
    // No provider was called: the offline one always writes a notice and reports itself.
    assert.equal(reply.provider, ModelProvider.UNSPECIFIED);
    assert.equal(reply.offline, false);
    assert.equal(reply.finishReason, FinishReason.TOOL_CALLS);
    assert.equal(reply.usage?.inputTokens ?? 0n, 0n);
    // No model answered: Atendo itself handed the conversation over.
    assert.equal(reply.meta?.actor?.kind, ActorKind.SYSTEM);
  }

  it("gives a tenant N replies a month over all its workspaces, then hands the next turn to a person", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 2);
    const ws2 = await stack.identity.addWorkspace(ws);
    const first = await answeredChannel(ws);
    const second = await answeredChannel(ws2);

    const r1 = await newCustomerWrites(ws, first, 0);
    const r2 = await newCustomerWrites(ws2, second, 0);
    assert.ok(r1.parts.length > 0 && r2.parts.length > 0, "both replies under the limit are sent");

    const handoff = await newCustomerWrites(ws, first, 1);
    assertQuotaHandoff(handoff, 2);
    const turn = turnsOf(stack, first).find((t) => t.meta?.eventId === handoff.meta?.causationId);
    assert.ok(turn?.meta, "the handoff answers a TurnReady of the channel");
    assert.equal(handoff.conversationId, turn.conversationId);
    assert.equal(handoff.turnEpoch, turn.turnEpoch);
    assert.deepEqual(handoff.answeredMessageIds, turn.messageIds);

    // No usage: neither a record nor an announcement.
    const rows = await adminQuery("select 1 from ai.usage_records where source_event_id = $1", [
      turn.meta.eventId,
    ]);
    assert.equal(rows.length, 0);
    await settle();
    assert.equal(
      stack.capture.usage.some((u) => u.meta?.causationId === turn.meta?.eventId),
      false,
    );
    assert.deepEqual(await replyRowsOf(ws.tenantId), [{ reply_parts: 1 }, { reply_parts: 1 }]);

    // The conversation service moved the conversation to a person.
    const conversation = await waitFor(
      async () => {
        const res = await ws.clients.conversations.getConversation({
          workspaceId: ws.workspaceId,
          conversationId: handoff.conversationId,
        });
        return res.conversation?.handler === ConversationHandler.HUMAN ? res.conversation : undefined;
      },
      { message: "the conversation to be handed to a person" },
    );
    assert.equal(conversation.status, ConversationStatus.PENDING_HUMAN);

    // The playground refuses too, saying why: a plan limit, told apart from a rate limit.
    const assistantId = handoff.assistantId;
    const refused = await expectConnectError(playground(ws, assistantId), Code.ResourceExhausted, {
      message: USED_UP,
    });
    assert.equal(errorInfoOf(refused)?.reason, "PLAN_LIMIT_REACHED");
    assert.deepEqual(errorInfoOf(refused)?.metadata, { limit: "monthly_ai_messages", max: "2" });
  });

  it("answers again once the limit is raised and the cached limit has expired", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 1);
    const channelId = await answeredChannel(ws);
    const sent = await newCustomerWrites(ws, channelId, 0);
    assert.ok(sent.parts.length > 0);
    assertQuotaHandoff(await newCustomerWrites(ws, channelId, 1), 1);

    await setMonthlyAiMessages(stack, ws, 2);
    await untilPlaygroundAnswers(ws, sent.assistantId);
    const resumed = await newCustomerWrites(ws, channelId, 2);
    assert.ok(resumed.parts.length > 0, "the reply is sent");
    assert.deepEqual(resumed.actions, []);
    assert.equal(resumed.provider, ModelProvider.OFFLINE);
    assert.equal((await replyRowsOf(ws.tenantId)).length, 2);

    // The new limit is reached in turn.
    assertQuotaHandoff(await newCustomerWrites(ws, channelId, 3), 2);
  });

  it("treats a limit of 0 as no limit", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 0);
    const channelId = await answeredChannel(ws);
    for (let i = 0; i < 3; i++) {
      const reply = await newCustomerWrites(ws, channelId, i);
      assert.ok(reply.parts.length > 0, `reply ${i} is sent`);
      assert.deepEqual(reply.actions, []);
    }
    assert.equal((await replyRowsOf(ws.tenantId)).length, 3);
  });

  it("counts only this month's replies that said something: not last month's, tests or silent handoffs", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 1);
    // A reply of the last second of the previous UTC month.
    await adminQuery(
      `insert into ai.usage_records (id, tenant_id, workspace_id, operation, provider, model, reply_parts, created_at)
       values ($1, $2, $3, 'reply', 'offline', 'offline', 1,
               (date_trunc('month', now() at time zone 'UTC') - interval '1 second') at time zone 'UTC')`,
      [newId(), ws.tenantId, ws.workspaceId],
    );
    const channelId = await answeredChannel(ws, ["cancelar pedido"]);
    const assistantId = await createAssistant(ws);
    assert.ok((await playground(ws, assistantId)).parts.length > 0, "a playground test is not counted");

    await sendMessage(stack, ws, channelId, `customer-${newId()}`, "Quero cancelar pedido 42");
    const silent = await nthReply(channelId, 0);
    assert.deepEqual(silent.parts, [], "a silent handoff on the assistant's keyword");
    assert.doesNotMatch(
      silent.actions[0]?.action.case === "handoff" ? silent.actions[0].action.value.reason : "",
      USED_UP,
    );

    const sent = await newCustomerWrites(ws, channelId, 1);
    assert.ok(sent.parts.length > 0, "the one reply of the month is sent");
    assertQuotaHandoff(await newCustomerWrites(ws, channelId, 2), 1);
    // Last month's reply, the silent handoff (nothing said), this month's one reply.
    assert.deepEqual(await replyRowsOf(ws.tenantId), [
      { reply_parts: 1 },
      { reply_parts: 0 },
      { reply_parts: 1 },
    ]);
  });

  it("reads a tenant's limit as the ai service and reuses it for the cache TTL", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 5);
    const asAi = await stack.identity.asService("ai");
    let now = 1_000_000;
    const limits = createPlanLimits({ client: asAi.tenants, ttlMs: 60_000, now: () => now });
    assert.equal(await limits.monthlyAiMessages(ws.tenantId), 5);

    await setMonthlyAiMessages(stack, ws, 7);
    now += 60_000;
    assert.equal(await limits.monthlyAiMessages(ws.tenantId), 5, "cached for the whole TTL");
    now += 1;
    assert.equal(await limits.monthlyAiMessages(ws.tenantId), 7, "read again once it expired");
  });
});
