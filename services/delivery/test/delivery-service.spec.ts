import assert from "node:assert/strict";
import { newId } from "@atendo/db";
import { MessageStatus } from "@atendo/proto/common/v1";
import { AttemptOutcome } from "@atendo/proto/delivery/v1";
import { expectConnectError, GRAPH_ERRORS } from "@atendo/testing";
import { Code } from "@connectrpc/connect";
import { type Clients, type Harness, startHarness, type TestChannel } from "./support/harness.js";

describe("DeliveryService RPCs", function () {
  this.timeout(30_000);
  let h: Harness;
  let ch: TestChannel;
  /** The owner of ch's tenant. */
  let owner: Clients;
  const messages: string[] = [];

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
    }
  });
  after(() => h?.stop());

  it("GetDeliveryStatus returns the state and every attempt, oldest first", async () => {
    const messageId = messages[1] ?? "";
    const res = await owner.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId });
    assert.equal(res.state?.messageId, messageId);
    assert.equal(res.state?.channelId, ch.channelId);
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
      other.clients.delivery.listAttempts({ workspaceId: ch.workspaceId }),
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
    const { attempts } = await other.clients.delivery.listAttempts({ workspaceId: other.workspaceId });
    assert.deepEqual(attempts, []);
  });

  it("validates ids and page tokens", async () => {
    await expectConnectError(
      owner.delivery.getDeliveryStatus({ workspaceId: ch.workspaceId, messageId: "42" }),
      Code.InvalidArgument,
      { message: /message_id/ },
    );
    await expectConnectError(
      owner.delivery.listAttempts({ workspaceId: ch.workspaceId, page: { pageToken: "garbage" } }),
      Code.InvalidArgument,
      { message: /page_token/ },
    );
  });

  it("ListAttempts pages newest first and filters", async () => {
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const res = await owner.delivery.listAttempts({
        workspaceId: ch.workspaceId,
        page: { pageSize: 3, pageToken },
      });
      seen.push(...res.attempts.map((a) => a.id));
      pageToken = res.page?.nextPageToken ?? "";
      pages++;
    } while (pageToken !== "" && pages < 10);
    assert.equal(pages, 2);
    assert.equal(seen.length, 4);
    assert.deepEqual(seen, [...seen].sort().reverse(), "newest first");
    assert.equal(new Set(seen).size, 4, "no attempt repeated across pages");

    const retried = await owner.delivery.listAttempts({
      workspaceId: ch.workspaceId,
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
    const ofChannel = await owner.delivery.listAttempts({ workspaceId: ch.workspaceId, channelId: newId() });
    assert.deepEqual(ofChannel.attempts, []);
  });
});
