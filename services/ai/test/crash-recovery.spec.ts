import assert from "node:assert/strict";
import { type Bus, type EventContext, newEventMeta } from "@atendo/bus";
import { createDb, createInbox, type Db, type EncodedEvent, newId } from "@atendo/db";
import { type TurnReady, TurnReadySchema } from "@atendo/proto/conversation/v1";
import { adminQuery, testEnv } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { createAssistantConfigs } from "../src/clients/assistant-configs.js";
import { createPlanLimits } from "../src/clients/plan-limits.js";
import { createTurnContexts } from "../src/clients/turn-contexts.js";
import { createTurnReadyHandler } from "../src/consumers/turn-ready.js";
import { createReplyGenerator } from "../src/domain/generate-reply.js";
import { DEFAULT_HANDOFF_KEYWORDS } from "../src/domain/handoff.js";
import { createOfflineProvider } from "../src/domain/offline-provider.js";
import { createAiMessageQuota } from "../src/quota/ai-message-quota.js";
import { UsageRecordRow } from "../src/store/usage-record-entity.js";
import { createUsageRepository } from "../src/store/usage-repository.js";
import {
  createAssistant,
  createSettler,
  createWorkspace,
  sendMessage,
  turnsOf,
  type Workspace,
} from "./support/fixtures.js";
import { type Clients, logger, type Stack, startStack } from "./support/stack.js";

/**
 * The TurnReady handler wired like the service's, on the real stack, with its publishes observed:
 * the way to stop "the process" between the commit and the publish.
 */
describe("ai: a crash between commit and publish", () => {
  let stack: Stack;
  let ws: Workspace;
  let db: Db;
  let settle: () => Promise<void>;
  // The handler calls the assistant and conversation services as the ai service does: its token.
  let asAi: Clients;

  before(async () => {
    stack = await startStack();
    asAi = await stack.identity.asService("ai");
    ws = await createWorkspace(stack);
    const marker = await stack.identity.createWebChannel(ws);
    await createAssistant(ws, { channelId: marker });
    settle = createSettler(stack, ws, marker);
    db = await createDb({ url: testEnv().appUrl("ai"), schema: "ai", entities: [UsageRecordRow], logger });
  });
  after(async () => {
    await db?.close();
    await stack?.stop();
  });

  function handlerWith(bus: Pick<Bus, "consume" | "encode" | "publishEncoded">) {
    const usage = createUsageRepository();
    return createTurnReadyHandler({
      db,
      bus,
      inbox: createInbox("ai"),
      usage,
      assistants: createAssistantConfigs({ client: asAi.assistants, directory: asAi.directory, ttlMs: 0 }),
      contexts: createTurnContexts({ client: asAi.turnContexts, historyLimit: 30 }),
      quota: createAiMessageQuota({
        db,
        usage,
        limits: createPlanLimits({ client: asAi.tenants, ttlMs: 0 }),
      }),
      generate: createReplyGenerator({
        providers: [],
        offline: createOfflineProvider({ handoffKeywords: DEFAULT_HANDOFF_KEYWORDS }),
      }),
      concurrency: 1,
      maxDeliver: 5,
    });
  }

  function contextOf(event: TurnReady): EventContext {
    const meta = event.meta;
    if (meta === undefined) throw new Error("event without meta");
    return {
      meta,
      subject: stack.bus.subjectFor(TurnReadySchema),
      stream: stack.bus.streamFor("conversation"),
      streamSequence: 1,
      deliveryCount: 1,
      headers: {},
      working: () => undefined,
      signal: new AbortController().signal,
      logger,
    };
  }

  it("loses nothing and duplicates nothing: the retry publishes the stored reply once", async () => {
    // A turn nobody answered: the channel had no assistant when it was published.
    const channelId = await stack.identity.createWebChannel(ws);
    await sendMessage(stack, ws, channelId, "c-crash", "Vocês entregam?");
    const unanswered = await stack.capture.until(() => turnsOf(stack, channelId)[0], "a TurnReady");
    await createAssistant(ws, { channelId });
    // Delivered to this handler only (a new event id the running service never sees).
    const turn = create(TurnReadySchema, {
      ...unanswered,
      meta: newEventMeta({ tenantId: ws.tenantId, workspaceId: ws.workspaceId, correlationId: newId() }),
    });
    const eventId = turn.meta?.eventId ?? "";

    const published: EncodedEvent[] = [];
    let failNext = true;
    const bus: Pick<Bus, "consume" | "encode" | "publishEncoded"> = {
      consume: (o) => stack.bus.consume(o),
      encode: (schema, event, o) => stack.bus.encode(schema, event, o),
      publishEncoded: async (encoded, o) => {
        if (failNext) {
          failNext = false;
          throw new Error("nats went away");
        }
        published.push(encoded);
        return stack.bus.publishEncoded(encoded, o);
      },
    };
    const handle = handlerWith(bus);

    await assert.rejects(async () => handle(turn, contextOf(turn)), /nats went away/);
    // Committed before the failed publish: the usage record and the outputs to publish.
    const usage = await adminQuery("select 1 from ai.usage_records where source_event_id = $1", [eventId]);
    assert.equal(usage.length, 1);
    assert.equal(
      stack.capture.replies.some((r) => r.meta?.causationId === eventId),
      false,
    );

    // The redelivery publishes what the first delivery stored.
    await handle(turn, contextOf(turn));
    assert.equal(published.length, 2);
    const reply = await stack.capture.until(
      () => stack.capture.replies.find((r) => r.meta?.causationId === eventId),
      "the recovered reply",
    );
    assert.equal(published[0]?.msgId, reply.meta?.eventId);

    // A third delivery republishes the same bytes under the same msgIDs: the stream drops them.
    await handle(turn, contextOf(turn));
    assert.deepEqual(
      published.slice(2).map((p) => p.msgId),
      published.slice(0, 2).map((p) => p.msgId),
    );
    assert.deepEqual(published[2]?.data, published[0]?.data);
    await settle();
    assert.equal(stack.capture.replies.filter((r) => r.meta?.causationId === eventId).length, 1);
    const after = await adminQuery("select 1 from ai.usage_records where source_event_id = $1", [eventId]);
    assert.equal(after.length, 1);
  });
});
