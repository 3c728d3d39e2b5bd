import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { MessageStatus } from "@atendo/proto/common/v1";
import { AttemptOutcome } from "@atendo/proto/delivery/v1";
import { errorInfoOf } from "@atendo/service-kit";
import { adminQuery, allPages, expectConnectError, GRAPH_ERRORS } from "@atendo/testing";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Clients, type Harness, startHarness, type TestChannel } from "./support/harness.js";

describe("DeliveryService RPCs", function () {
  this.timeout(30_000);
  let h: Harness;
  let ch: TestChannel;
  /** The owner of ch's tenant. */
  let owner: Clients;
  const messages: string[] = [];
  const contacts: string[] = [];

  before(async () => {
    h = await startHarness();
    ch = await h.newChannel();
    owner = ch.owner.clients;
    // Three messages; the second is throttled once: four attempts in the workspace.
    for (let i = 0; i < 3; i++) {
      if (i === 1) h.graph.failNext({ ...GRAPH_ERRORS.throughput, match: { businessId: ch.phoneNumberId } });
      const event = h.outbound(ch);
      await h.publishOutbound(event);
      await h.waitForStatus(event.messageId, MessageStatus.SENT);
      messages.push(event.messageId);
      contacts.push(event.contactId);
    }
  });
  after(() => h?.stop());

  it("GetDeliveryStatus returns the state and every attempt, oldest first", async () => {
    const messageId = messages[1] ?? "";
    const res = await owner.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId });
    assert.equal(res.state?.messageId, messageId);
    assert.equal(res.state?.channelId, ch.channelId);
    assert.equal(res.state?.contactId, contacts[1]);
    assert.equal(res.state?.status, MessageStatus.SENT);
    assert.equal(res.state?.attemptCount, 2);
    assert.match(res.state?.externalMessageId ?? "", /^wamid\./);
    assert.equal(res.state?.lastError?.code, 130429, "the last failure stays visible");
    assert.deepEqual(
      res.attempts.map((a) => [a.attempt, a.outcome, a.httpStatus, a.error?.code ?? 0]),
      [
        [1, AttemptOutcome.RETRYABLE_FAILURE, 429, 130429],
        [2, AttemptOutcome.ACCEPTED, 200, 0],
      ],
    );
    assert.equal(res.attempts[1]?.externalMessageId, res.state?.externalMessageId);
    assert.ok(res.attempts.every((a) => a.latency !== undefined && a.startedAt !== undefined));
  });

  it("answers not_found for unknown messages and workspaces, and for another tenant's", async () => {
    await expectConnectError(
      owner.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: newId() }),
      Code.NotFound,
      { message: /delivery of message/ },
    );
    await expectConnectError(
      owner.delivery.getDeliveryStatus({ workspaceId: newId(), messageId: messages[0] ?? "" }),
      Code.NotFound,
      { message: /workspace not found/ },
    );
    // Another tenant's owner: our workspace does not exist for them, nor our message in theirs.
    const other = (await h.newChannel()).owner;
    await expectConnectError(
      other.clients.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: messages[0] ?? "" }),
      Code.NotFound,
      { message: /workspace not found/ },
    );
    await expectConnectError(
      other.clients.delivery.listAttempts({ workspaceId: ch.workspaceId, messageId: "-" }),
      Code.NotFound,
      { message: /workspace not found/ },
    );
    await expectConnectError(
      other.clients.delivery.getDeliveryStatus({
        workspaceId: other.workspaceId,
        messageId: messages[0] ?? "",
      }),
      Code.NotFound,
      { message: /delivery of message/ },
    );
    const { attempts } = await other.clients.delivery.listAttempts({
      workspaceId: other.workspaceId,
      messageId: "-",
    });
    assert.deepEqual(attempts, []);
  });

  it("validates ids and page tokens", async () => {
    await expectConnectError(
      owner.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: "42" }),
      Code.InvalidArgument,
      { message: /message_id/ },
    );
    await expectConnectError(
      owner.delivery.listAttempts({ workspaceId: ch.workspaceId, messageId: "-", pageToken: "garbage" }),
      Code.InvalidArgument,
      { reason: "INVALID_PAGE_TOKEN" },
    );
    // Every message is `-` (AIP-159); an empty message id names nothing.
    await expectConnectError(
      owner.delivery.listAttempts({ workspaceId: ch.workspaceId }),
      Code.InvalidArgument,
      { message: /message_id/ },
    );
  });

  it("refuses a page token used with other filters, or forged", async () => {
    const first = await owner.delivery.listAttempts({
      workspaceId: ch.workspaceId,
      messageId: "-",
      pageSize: 1,
    });
    assert.notEqual(first.nextPageToken, "");
    await expectConnectError(
      owner.delivery.listAttempts({
        workspaceId: ch.workspaceId,
        messageId: "-",
        outcome: AttemptOutcome.ACCEPTED,
        pageToken: first.nextPageToken,
      }),
      Code.InvalidArgument,
      { reason: "INVALID_PAGE_TOKEN" },
    );
    await expectConnectError(
      owner.delivery.listAttempts({
        workspaceId: ch.workspaceId,
        messageId: messages[0] ?? "",
        pageToken: first.nextPageToken,
      }),
      Code.InvalidArgument,
      { reason: "INVALID_PAGE_TOKEN" },
    );
    // Tokens are opaque, not secret: one carrying another cursor than an attempt id is refused.
    const token = JSON.parse(Buffer.from(first.nextPageToken, "base64url").toString()) as { c: unknown[] };
    token.c = ["' or 1=1 --"];
    await expectConnectError(
      owner.delivery.listAttempts({
        workspaceId: ch.workspaceId,
        messageId: "-",
        pageToken: Buffer.from(JSON.stringify(token)).toString("base64url"),
      }),
      Code.InvalidArgument,
      { reason: "INVALID_PAGE_TOKEN" },
    );
  });

  it("ListAttempts pages newest first and filters", async () => {
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const res = await owner.delivery.listAttempts({
        workspaceId: ch.workspaceId,
        messageId: "-",
        pageSize: 3,
        pageToken,
      });
      seen.push(...res.attempts.map((a) => a.id));
      pageToken = res.nextPageToken;
      pages++;
    } while (pageToken !== "" && pages < 10);
    assert.equal(pages, 2);
    assert.equal(seen.length, 4);
    assert.deepEqual(seen, [...seen].sort().reverse(), "newest first");
    assert.equal(new Set(seen).size, 4, "no attempt repeated across pages");

    const retried = await owner.delivery.listAttempts({
      workspaceId: ch.workspaceId,
      messageId: "-",
      outcome: AttemptOutcome.RETRYABLE_FAILURE,
    });
    assert.deepEqual(
      retried.attempts.map((a) => [a.messageId, a.error?.code]),
      [[messages[1], 130429]],
    );
    const ofFirst = await owner.delivery.listAttempts({
      workspaceId: ch.workspaceId,
      messageId: messages[0] ?? "",
    });
    assert.deepEqual(
      ofFirst.attempts.map((a) => a.outcome),
      [AttemptOutcome.ACCEPTED],
    );
    const ofChannel = await owner.delivery.listAttempts({
      workspaceId: ch.workspaceId,
      messageId: "-",
      channelId: newId(),
    });
    assert.deepEqual(ofChannel.attempts, []);
  });

  it("coerces a page size above 100 to 100 and returns every attempt once across pages", async () => {
    // 105 attempts on one message of a fresh workspace: more than the largest page.
    const fresh = await h.newChannel();
    const event = h.outbound(fresh);
    await h.publishOutbound(event);
    await h.waitForStatus(event.messageId, MessageStatus.SENT);
    await adminQuery(
      `insert into delivery.attempts (id, tenant_id, workspace_id, delivery_id, message_id, conversation_id,
         channel_id, attempt, started_at, outcome, http_status)
       select gen_random_uuid(), tenant_id, workspace_id, delivery_id, message_id, conversation_id, channel_id,
              attempt + n, started_at, 'RETRYABLE_FAILURE', 500
         from delivery.attempts, generate_series(1, 104) as n
        where message_id = $1`,
      [event.messageId],
    );
    const list = (pageSize: number, pageToken = "") =>
      fresh.owner.clients.delivery.listAttempts({
        workspaceId: fresh.workspaceId,
        messageId: event.messageId,
        pageSize,
        pageToken,
      });
    const big = await list(1000);
    assert.equal(big.attempts.length, 100, "a page size above 100 is read as 100");
    assert.notEqual(big.nextPageToken, "");
    assert.equal((await list(1000, big.nextPageToken)).attempts.length, 5);

    const seen = await allPages(async (token) => {
      const page = await list(7, token);
      return { items: page.attempts.map((a) => a.id), nextPageToken: page.nextPageToken };
    });
    assert.equal(seen.length, 105);
    assert.equal(new Set(seen).size, 105, "no attempt twice");
  });

  it("answers unimplemented, with reason UNIMPLEMENTED, for the RPCs not built yet", async () => {
    const unimplemented = (err: unknown) => {
      assert.ok(err instanceof ConnectError, String(err));
      assert.equal(err.code, Code.Unimplemented, err.message);
      assert.equal(errorInfoOf(err)?.reason, "UNIMPLEMENTED");
      return true;
    };
    const workspaceId = ch.workspaceId;
    const subscriptionId = newId();
    await assert.rejects(
      owner.delivery.resendMessage({ workspaceId, messageId: messages[0] ?? "", requestId: newId() }),
      unimplemented,
    );
    const calls = [
      () =>
        owner.webhooks.createSubscription({
          workspaceId,
          url: "https://hooks.example.com/atendo",
          eventTypes: ["atendo.delivery.v1.status_changed"],
          requestId: newId(),
        }),
      () => owner.webhooks.getSubscription({ workspaceId, subscriptionId }),
      () => owner.webhooks.listSubscriptions({ workspaceId, pageSize: 500 }),
      () =>
        owner.webhooks.updateSubscription({
          workspaceId,
          subscriptionId,
          updateMask: { paths: ["description"] },
          description: "orders",
          etag: 'W/"abc"',
        }),
      () => owner.webhooks.deleteSubscription({ workspaceId, subscriptionId, etag: 'W/"abc"' }),
      () => owner.webhooks.rotateSigningSecret({ workspaceId, subscriptionId, requestId: newId() }),
      () => owner.webhooks.testSubscription({ workspaceId, subscriptionId, requestId: newId() }),
      () => owner.webhooks.listDeliveries({ workspaceId, subscriptionId }),
      () =>
        owner.webhooks.replayDelivery({
          workspaceId,
          subscriptionId,
          deliveryId: newId(),
          requestId: newId(),
        }),
    ];
    for (const call of calls) await assert.rejects(call(), unimplemented);
  });
});
