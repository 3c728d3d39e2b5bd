import assert from "node:assert/strict";
import { MessageStatus } from "@atendo/proto/common/v1";
import { DeliveryService } from "@atendo/proto/delivery/v1";
import { clientsFor, codeOf, waitFor } from "@atendo/testing";
import { type Client, Code } from "@connectrpc/connect";
import { deliveryRow, type Harness, startHarness, type TestChannel } from "./support/harness.js";
import { createLogSink, type LogSink } from "./support/log-sink.js";

// Issue 6: a revoked key, a suspended tenant or a disabled channel stops working on every replica
// within a second (docs/auth.md).
const EVERYWHERE_WITHIN_MS = 1_000;
// Messages published one after the other until each replica has taken one off the shared durable.
const MAX_MESSAGES = 20;
// What the OutboundCreated consumer logs once it is done with a message (with its message_id).
const OUTCOME_LINES = new Set(["message sent", "message failed", "tenant suspended; message held"]);

/** One process of delivery: its log lines, and its RPCs called with a credential. */
interface Replica {
  name: string;
  logs: LogSink;
  as(credential: string): Client<typeof DeliveryService>;
}

describe("two delivery replicas hear every invalidation", function () {
  this.timeout(60_000);
  let h: Harness;
  let replicas: Replica[];

  before(async () => {
    h = await startHarness();
    const secondLogs = createLogSink();
    const second = await h.startReplica({}, secondLogs);
    const replica = (name: string, logs: LogSink, port: number): Replica => ({
      name,
      logs,
      as: (credential) =>
        clientsFor(`http://127.0.0.1:${port}`, credential, { delivery: DeliveryService }).delivery,
    });
    replicas = [replica("first", h.logs, h.delivery.port), replica("second", secondLogs, second.port)];
  });
  after(() => h?.stop());

  const sendsTo = (ch: TestChannel) => h.graph.sends.filter((s) => s.businessId === ch.phoneNumberId);
  const logged = (r: Replica, match: (record: Record<string, unknown>) => boolean) =>
    r.logs.records().some(match);

  /** The replica whose OutboundCreated consumer handled the message, once it is done with it. */
  function handledBy(messageId: string): Replica | undefined {
    return replicas.find((r) =>
      logged(r, (line) => line.message_id === messageId && OUTCOME_LINES.has(String(line.msg))),
    );
  }

  /**
   * Publishes messages on the channel, one at a time, until each replica handled one; returns the
   * message ids each replica handled. The durable is shared, so which replica takes a message is the
   * server's choice: it hands them to the waiting replicas in turn.
   */
  async function sendOnEveryReplica(ch: TestChannel): Promise<Map<Replica, string[]>> {
    const handled = new Map<Replica, string[]>();
    for (let i = 0; i < MAX_MESSAGES && handled.size < replicas.length; i++) {
      const event = h.outbound(ch, { content: { case: "text", value: { body: `mensagem ${i}` } } });
      await h.publishOutbound(event);
      const replica = await waitFor(() => handledBy(event.messageId), {
        message: () => `a replica to handle message ${event.messageId}`,
      });
      handled.set(replica, [...(handled.get(replica) ?? []), event.messageId]);
    }
    assert.equal(handled.size, replicas.length, `each replica handled one of ${MAX_MESSAGES} messages`);
    return handled;
  }

  /** Waits until `check` holds on every replica, at most a second; returns how long it took. */
  async function onEveryReplicaWithinASecond(
    since: number,
    what: string,
    check: (r: Replica) => boolean | Promise<boolean>,
  ): Promise<number> {
    const pending = new Set(replicas);
    await waitFor(
      async () => {
        for (const r of [...pending]) if (await check(r)) pending.delete(r);
        return pending.size === 0;
      },
      {
        timeoutMs: Math.max(0, since + EVERYWHERE_WITHIN_MS - Date.now()),
        intervalMs: 10,
        message: () => `${what} on ${[...pending].map((r) => r.name).join(" and ")}`,
      },
    );
    return Date.now() - since;
  }

  /**
   * A channel whose credentials both replicas have resolved and cached (each sent a message on it),
   * and the messages sent.
   */
  async function cachedOnEveryReplica(): Promise<{ ch: TestChannel; sent: string[] }> {
    const ch = await h.newChannel();
    const sent = [...(await sendOnEveryReplica(ch)).values()].flat();
    for (const id of sent) await h.waitForStatus(id, MessageStatus.SENT);
    return { ch, sent };
  }

  it("stops sending on a disabled channel on both replicas within a second", async () => {
    const { ch } = await cachedOnEveryReplica();
    const sentBefore = sendsTo(ch).length;

    await ch.owner.clients.channels.disableChannel({ workspaceId: ch.workspaceId, channelId: ch.channelId });
    const tookMs = await onEveryReplicaWithinASecond(Date.now(), "the cached channel forgotten", (r) =>
      logged(
        r,
        (line) =>
          line.msg === "channel status changed; resolved channel forgotten" &&
          line.channel_id === ch.channelId,
      ),
    );
    assert.ok(tookMs <= EVERYWHERE_WITHIN_MS, `took ${tookMs} ms`);

    for (const ids of (await sendOnEveryReplica(ch)).values()) {
      for (const id of ids) {
        const failed = await h.waitForStatus(id, MessageStatus.FAILED);
        assert.equal(failed.error?.title, "channel not active");
      }
    }
    assert.equal(sendsTo(ch).length, sentBefore, "no replica sent with the channel it had cached");
  });

  it("sends with a changed access token on both replicas within a second", async () => {
    const { ch } = await cachedOnEveryReplica();
    // Both tokens work at the fake Graph API: only a forgotten cache makes a replica use the new one.
    const rotated = `${ch.token}-rotated`;
    h.graph.registerToken(rotated);
    const sentBefore = sendsTo(ch).length;

    await ch.owner.clients.channels.updateChannel({
      workspaceId: ch.workspaceId,
      channelId: ch.channelId,
      updateMask: { paths: ["access_token"] },
      accessToken: rotated,
    });
    const tookMs = await onEveryReplicaWithinASecond(Date.now(), "the cached channel forgotten", (r) =>
      logged(
        r,
        (line) =>
          line.msg === "channel updated; resolved channel forgotten" && line.channel_id === ch.channelId,
      ),
    );
    assert.ok(tookMs <= EVERYWHERE_WITHIN_MS, `took ${tookMs} ms`);

    for (const ids of (await sendOnEveryReplica(ch)).values()) {
      for (const id of ids) await h.waitForStatus(id, MessageStatus.SENT);
    }
    const tokens = new Set(
      sendsTo(ch)
        .slice(sentBefore)
        .map((s) => s.headers.authorization),
    );
    assert.deepEqual([...tokens], [`Bearer ${rotated}`], "every replica sent with the new token");
  });

  it("refuses a revoked API key on both replicas within a second (the key cache would keep it 5 s)", async () => {
    const ch = await h.newChannel();
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    const key = await h.identity.createApiKey(ch.owner, ch.workspaceId, ["conversations:read"]);
    const read = (r: Replica) =>
      codeOf(r.as(key.secret).getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: event.messageId }));
    // Each replica introspected the key and now answers it from its cache.
    for (const r of replicas) assert.equal(await read(r), "ok", r.name);

    await ch.owner.clients.apiKeys.revokeApiKey({ workspaceId: ch.workspaceId, apiKeyId: key.id });
    const tookMs = await onEveryReplicaWithinASecond(
      Date.now(),
      "the revoked key refused",
      async (r) => (await read(r)) === Code.Unauthenticated,
    );
    assert.ok(tookMs <= EVERYWHERE_WITHIN_MS, `took ${tookMs} ms`);
  });

  it("refuses a suspended tenant's user token and holds its messages on both replicas at once", async () => {
    const { ch, sent } = await cachedOnEveryReplica();
    const anyMessage = sent[0] ?? "";
    const read = (r: Replica) =>
      codeOf(
        r.as(ch.owner.accessToken).getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: anyMessage }),
      );
    for (const r of replicas) assert.equal(await read(r), "ok", r.name);

    await h.admin.clients.tenants.suspendTenant({ tenantId: ch.tenantId, reason: "unpaid invoice" });
    const suspendMs = await onEveryReplicaWithinASecond(
      Date.now(),
      "the suspended tenant's user token refused",
      async (r) => (await read(r)) === Code.Unauthenticated,
    );
    assert.ok(suspendMs <= EVERYWHERE_WITHIN_MS, `took ${suspendMs} ms`);

    // Each replica had the channel cached as active: both looked again and held the message.
    const sentBefore = sendsTo(ch).length;
    const held = [...(await sendOnEveryReplica(ch)).values()].flat();
    for (const id of held) assert.equal((await deliveryRow(id))?.status, "HELD", id);
    assert.equal(sendsTo(ch).length, sentBefore, "nothing sent while suspended");

    await h.admin.clients.tenants.reactivateTenant({ tenantId: ch.tenantId });
    const reactivateMs = await onEveryReplicaWithinASecond(
      Date.now(),
      "the reactivated tenant's user token accepted",
      async (r) => (await read(r)) === "ok",
    );
    assert.ok(reactivateMs <= EVERYWHERE_WITHIN_MS, `took ${reactivateMs} ms`);
    for (const id of held) await h.waitForStatus(id, MessageStatus.SENT);
    assert.equal(sendsTo(ch).length, sentBefore + held.length, "each held message sent once");
  });
});
