import assert from "node:assert/strict";
import { createDb } from "@atendo/db";
import { ChannelType } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { testEnv, waitFor } from "@atendo/testing";
import { createTurnPublisher } from "../src/buffer/turn-publisher.js";
import { ENTITIES } from "../src/store/entities.js";
import { messagesWhen, theConversation } from "./support/db.js";
import { messageReceived, newCustomer } from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

describe("reply buffer", () => {
  describe("debounce", () => {
    let h: Harness;
    before(async () => {
      h = await startConversation({ BUFFER_WINDOW_MS: "400" });
    });
    after(async () => {
      await h?.stop();
    });

    it("answers two messages sent within the window with one TurnReady listing both", async () => {
      const c = newCustomer();
      const first = messageReceived(c, { body: "Hi", sentAt: new Date(Date.now() - 1_000) });
      const second = messageReceived(c, { body: "Do you deliver to Campinas?" });
      await h.bus.publish(MessageReceivedSchema, first);
      await h.bus.publish(MessageReceivedSchema, second);

      const conversation = await theConversation(c.channelId, (row) => row.turn_epoch === 2);
      const rows = await messagesWhen(c.channelId, (r) => r.length === 2);
      const turn = await waitFor(() =>
        h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
      );
      assert.deepEqual(
        turn.messageIds,
        rows.map((r) => r.id),
        "both messages, oldest first",
      );
      assert.equal(turn.turnEpoch, 2);
      assert.equal(turn.channelId, c.channelId);
      assert.equal(turn.channelType, ChannelType.WHATSAPP);
      assert.equal(turn.meta?.tenantId, c.tenantId);
      assert.equal(turn.meta?.workspaceId, c.workspaceId);

      // Nothing is left to flush, so no second TurnReady can follow.
      const flushed = await theConversation(c.channelId, (row) => row.flushed_epoch === 2);
      assert.equal(flushed.turn_epoch, 2);
      const member = `${c.tenantId}:${conversation.id}`;
      assert.equal(await h.redis.zscore(`${h.keyPrefix}buffer:due`, member), null);
      assert.equal(await h.redis.zscore(`${h.keyPrefix}buffer:leased`, member), null);
      assert.equal(
        h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
        1,
      );
    });

    it("keeps its schedule through the shared Redis client (createRedis names its connection)", async () => {
      const clients = String(await h.redis.call("CLIENT", "LIST"));
      assert.match(clients, /name=atendo-conversation /);
    });

    it("waits the window after the last message before flushing", async () => {
      const c = newCustomer();
      await h.bus.publish(MessageReceivedSchema, messageReceived(c));
      const conversation = await theConversation(c.channelId);
      const armedAt = Date.now();
      await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
      const seen = h.captured.all.find(
        (e) => e.event.$typeName === TurnReadySchema.typeName && e.event.conversationId === conversation.id,
      );
      // The row was visible before we looked, so the deadline is at most that early.
      assert.ok(seen !== undefined && seen.at - armedAt >= 400 - 150, "flushed before the window ran out");
    });
  });

  describe("recovery", () => {
    let h: Harness;
    before(async () => {
      // A long window, so the tests can act on the due entry before it fires; a sweep without grace.
      h = await startConversation({
        BUFFER_WINDOW_MS: "1500",
        SWEEP_INTERVAL_MS: "100",
        SWEEP_GRACE_MS: "0",
      });
    });
    after(async () => {
      await h?.stop();
    });

    async function armedConversation() {
      const c = newCustomer();
      await h.bus.publish(MessageReceivedSchema, messageReceived(c));
      const conversation = await theConversation(c.channelId, (row) => row.turn_epoch === 1);
      const member = `${c.tenantId}:${conversation.id}`;
      await waitFor(async () => (await h.redis.zscore(`${h.keyPrefix}buffer:due`, member)) !== null);
      return { c, conversation, member };
    }

    it("recovers a conversation whose flusher died holding its lease", async () => {
      const { c, conversation, member } = await armedConversation();
      const due = `${h.keyPrefix}buffer:due`;
      const leased = `${h.keyPrefix}buffer:leased`;
      // What a flusher that claimed the member and then died leaves behind.
      const leaseDeadline = Date.now() + 600;
      const results = await h.redis.multi().zrem(due, member).zadd(leased, leaseDeadline, member).exec();
      assert.equal(results?.[0]?.[1], 1, "taken over before any flusher claimed it");

      const turn = await waitFor(() =>
        h.captured.all.find(
          (e) => e.event.$typeName === TurnReadySchema.typeName && e.event.conversationId === conversation.id,
        ),
      );
      assert.ok(turn.at >= leaseDeadline, "nobody flushed it while the lease was held");
      const flushed = await theConversation(c.channelId, (row) => row.flushed_epoch === 1);
      assert.equal(flushed.turn_epoch, 1);
      assert.equal(await h.redis.zscore(leased, member), null, "the lease is gone after the flush");
      assert.equal(await h.redis.zscore(due, member), null);
    });

    it("re-arms from Postgres a pending turn whose Redis entry was lost", async () => {
      const { c, conversation, member } = await armedConversation();
      // Redis lost everything of this service (a restart without persistence).
      const keys = await h.redis.keys(`${h.keyPrefix}*`);
      const removed = await h.redis.zrem(`${h.keyPrefix}buffer:due`, member);
      assert.equal(removed, 1, "lost before any flusher took it");
      if (keys.length > 0) await h.redis.del(...keys);

      const turn = await waitFor(() =>
        h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
      );
      assert.equal(turn.turnEpoch, 1);
      assert.ok(
        h.logs.matching((l) => l.msg === "re-armed pending turns missing from the buffer").length > 0,
        "the sweep re-armed it",
      );
      const [message] = await messagesWhen(c.channelId, (r) => r.length === 1);
      assert.deepEqual(turn.messageIds, [message?.id]);
      await theConversation(c.channelId, (row) => row.flushed_epoch === 1);
    });

    it("makes a second TurnReady of the same (conversation, epoch) a JetStream duplicate", async () => {
      const { c, conversation, member } = await armedConversation();
      assert.equal(await h.redis.zrem(`${h.keyPrefix}buffer:due`, member), 1, "taken before the flusher");
      // Two replicas flushing the same turn (e.g. after a lease expired under a slow one).
      const db = await createDb({
        url: testEnv().appUrl("conversation"),
        schema: "conversation",
        entities: ENTITIES,
      });
      try {
        const turns = createTurnPublisher({ db, bus: h.bus, mediaWaitMs: 60_000 });
        const first = await turns.publishTurn(c.tenantId, conversation.id);
        const second = await turns.publishTurn(c.tenantId, conversation.id);
        assert.ok(first.published && second.published);
        assert.equal(first.duplicate, false);
        assert.equal(second.duplicate, true);
        assert.deepEqual(second.messageIds, first.messageIds);
      } finally {
        await db.close();
      }
      await waitFor(() => h.captured.of(TurnReadySchema).some((t) => t.conversationId === conversation.id));
    });
  });
});
