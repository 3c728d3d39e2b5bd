import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import type { ReplyGenerated } from "@atendo/proto/ai/v1";
import { waitFor } from "@atendo/testing";
import { createAssistantConfigs } from "../src/clients/assistant-configs.js";
import { createPlanLimits } from "../src/clients/plan-limits.js";
import {
  createAssistant,
  createWorkspace,
  repliesOf,
  replyTexts,
  sendMessage,
  setMonthlyAiMessages,
  type Workspace,
} from "./support/fixtures.js";
import { type AiReplica, type Stack, startStack } from "./support/stack.js";

// Long enough that only the events can explain a replica seeing a change during the test.
const TEN_MINUTES = "600000";
// Turns sent, at most, for both replicas to answer one (they take turns from one durable consumer).
const MAX_TURNS = 12;

describe("ai: every replica forgets a changed assistant or plan at once (two replicas)", () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      aiReplicas: 2,
      aiEnv: { ASSISTANT_CACHE_TTL_MS: TEN_MINUTES, PLAN_LIMITS_CACHE_TTL_MS: TEN_MINUTES },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  /** The replica whose log says it answered the turn `reply` answers. */
  function answeredBy(reply: ReplyGenerated): Promise<AiReplica> {
    const turnId = reply.meta?.causationId;
    return waitFor(
      () => stack.ai.find((r) => r.lines.some((l) => l.event_id === turnId && l.msg === "turn answered")),
      { message: `the replica that answered turn ${turnId}` },
    );
  }

  /**
   * New customers write `text` on the channel, one turn at a time, until each replica answered at
   * least one turn; returns the replies each replica gave.
   */
  async function untilBothAnswer(ws: Workspace, channelId: string, text: string) {
    const byReplica = new Map<AiReplica, ReplyGenerated[]>(stack.ai.map((r) => [r, []]));
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      const seen = repliesOf(stack, channelId).length;
      await sendMessage(stack, ws, channelId, `customer-${newId()}`, text);
      const reply = await stack.capture.until(() => repliesOf(stack, channelId)[seen], "the turn's reply");
      byReplica.get(await answeredBy(reply))?.push(reply);
      if ([...byReplica.values()].every((replies) => replies.length > 0)) return [...byReplica.values()];
    }
    throw new Error(`one replica answered all of ${MAX_TURNS} turns`);
  }

  /** Resolves once every replica logged `msg` for the tenant more often than `before` says. */
  async function everyReplicaHeard(tenantId: string, msg: string, before: number[]): Promise<void> {
    const count = (r: AiReplica) => r.lines.filter((l) => l.tenant_id === tenantId && l.msg === msg).length;
    await waitFor(() => stack.ai.every((r, i) => count(r) > (before[i] ?? 0)), {
      message: `every replica to log "${msg}"`,
    });
  }
  const counts = (tenantId: string, msg: string) =>
    stack.ai.map((r) => r.lines.filter((l) => l.tenant_id === tenantId && l.msg === msg).length);

  it("answers the next turn on both replicas with the assistant as changed", async () => {
    const ws = await createWorkspace(stack);
    const channelId = await stack.identity.createWebChannel(ws);
    const assistantId = await createAssistant(ws, {
      channelId,
      handoffKeywords: ["gerente"],
      handoffMessage: "Um momento, chamo o gerente.",
    });

    // Both replicas have the assistant cached.
    for (const replies of await untilBothAnswer(ws, channelId, "Quero falar com o gerente")) {
      for (const r of replies) assert.deepEqual(replyTexts(r), ["Um momento, chamo o gerente."]);
    }

    const heard = "assistant configuration changed: cached lookups of the tenant dropped";
    const before = counts(ws.tenantId, heard);
    const changedAt = Date.now();
    await ws.clients.assistants.updateAssistant({
      workspaceId: ws.workspaceId,
      assistantId,
      updateMask: { paths: ["handoff"] },
      handoff: { keywords: ["gerente"], message: "Já te passo para o gerente!" },
    });
    await everyReplicaHeard(ws.tenantId, heard, before);
    const tookMs = Date.now() - changedAt;

    for (const replies of await untilBothAnswer(ws, channelId, "Quero falar com o gerente")) {
      for (const r of replies) assert.deepEqual(replyTexts(r), ["Já te passo para o gerente!"]);
    }
    assert.ok(tookMs < 10_000, `both replicas heard the change after ${tookMs} ms`);
  });

  it("applies a lowered plan limit on both replicas at their next turn", async () => {
    const ws = await createWorkspace(stack);
    await setMonthlyAiMessages(stack, ws, 0);
    const channelId = await stack.identity.createWebChannel(ws);
    await createAssistant(ws, { channelId });

    // Both replicas have "no limit" cached, and the tenant used at least two AI messages.
    for (const replies of await untilBothAnswer(ws, channelId, "Vocês abrem amanhã?")) {
      for (const r of replies) assert.ok(r.parts.length > 0, "answered by the model");
    }

    const heard = "tenant updated: cached plan limits dropped";
    const before = counts(ws.tenantId, heard);
    await setMonthlyAiMessages(stack, ws, 1);
    await everyReplicaHeard(ws.tenantId, heard, before);

    for (const replies of await untilBothAnswer(ws, channelId, "Vocês abrem amanhã?")) {
      for (const r of replies) {
        assert.deepEqual(r.parts, [], "nothing said: the month's AI messages are used up");
        const action = r.actions[0]?.action;
        assert.match(
          action?.case === "handoff" ? action.value.reason : "",
          /monthly AI messages are used up/,
        );
      }
    }
  });

  it("keeps no answer asked for before the change: it may predate it", async () => {
    const ws = await createWorkspace(stack);
    const channelId = await stack.identity.createWebChannel(ws);
    const first = await createAssistant(ws, { channelId });
    const asAi = await stack.identity.asService("ai");
    const assistants = createAssistantConfigs({
      client: asAi.assistants,
      directory: asAi.directory,
      ttlMs: 600_000,
    });
    const limits = createPlanLimits({ client: asAi.tenants, ttlMs: 600_000 });
    await setMonthlyAiMessages(stack, ws, 3);

    // The change is heard while the lookups are on their way.
    const lookup = assistants.forChannel(ws.tenantId, channelId);
    const limit = limits.monthlyAiMessages(ws.tenantId);
    assistants.forgetTenant(ws.tenantId);
    limits.forget(ws.tenantId);
    assert.equal((await lookup)?.id, first);
    assert.equal(await limit, 3);

    const second = await createAssistant(ws, { channelId });
    await setMonthlyAiMessages(stack, ws, 4);
    assert.equal((await assistants.forChannel(ws.tenantId, channelId))?.id, second);
    assert.equal(await limits.monthlyAiMessages(ws.tenantId), 4);
  });
});
