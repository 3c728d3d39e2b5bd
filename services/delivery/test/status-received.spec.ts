import assert from "node:assert/strict";
import { newEventMeta } from "@atendo/bus";
import { newId } from "@atendo/db";
import { ActorKind, ChannelType, MessageStatus } from "@atendo/proto/common/v1";
import { type StatusReceived, StatusReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { STATUS_RECEIVED_DURABLE } from "../src/consumers/status-received.js";
import { deliveryRow, type Harness, RECIPIENT, startHarness, type TestChannel } from "./support/harness.js";

describe("StatusReceived consumer", function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    // Receipts for unknown ids are retried for 5 s: their send may not be recorded yet.
    h = await startHarness({ statusUnknownGraceMs: 5_000 });
  });
  after(() => h?.stop());

  function receipt(
    ch: TestChannel,
    wamid: string,
    status: MessageStatus,
    extra: Pick<MessageInitShape<typeof StatusReceivedSchema>, "errors"> = {},
  ): StatusReceived {
    return create(StatusReceivedSchema, {
      meta: newEventMeta({ tenantId: ch.tenantId, workspaceId: ch.workspaceId, correlationId: newId() }),
      webhookEventId: newId(),
      channelId: ch.channelId,
      externalMessageId: wamid,
      status,
      recipientId: RECIPIENT,
      channelType: ChannelType.WHATSAPP,
      ...extra,
    });
  }

  async function publish(event: StatusReceived): Promise<void> {
    await h.bus.publish(StatusReceivedSchema, event);
  }

  /** Publishes a receipt and waits until the consumer acknowledged it; returns its stored outputs. */
  async function handled(event: StatusReceived): Promise<unknown[]> {
    await publish(event);
    const [row] = await waitFor(async () => {
      const rows = await h.processed(STATUS_RECEIVED_DURABLE, event.meta?.eventId ?? "");
      return rows.length === 1 ? rows : undefined;
    });
    return row?.outputs ?? [];
  }

  async function sentMessage(
    ch: TestChannel,
  ): Promise<{ messageId: string; wamid: string; contactId: string; conversationId: string }> {
    const event = h.outbound(ch);
    await h.publishOutbound(event);
    const sent = await h.waitForStatus(event.messageId, MessageStatus.SENT);
    const { messageId, contactId, conversationId } = event;
    return { messageId, wamid: sent.externalMessageId, contactId, conversationId };
  }

  const statusesOf = (messageId: string) =>
    h.statuses.filter((s) => s.messageId === messageId).map((s) => MessageStatus[s.status]);

  it("moves delivered and read forward and never back", async () => {
    const ch = await h.newChannel();
    const { messageId, wamid, contactId, conversationId } = await sentMessage(ch);

    await publish(receipt(ch, wamid, MessageStatus.DELIVERED));
    const delivered = await h.waitForStatus(messageId, MessageStatus.DELIVERED);
    assert.equal(delivered.externalMessageId, wamid);
    assert.equal(delivered.attempt, 0);
    // A receipt comes from the contact's side: the event names them, their conversation and channel.
    assert.deepEqual(
      [delivered.meta?.actor?.kind, delivered.meta?.actor?.id],
      [ActorKind.CONTACT, contactId],
    );
    assert.deepEqual(
      [delivered.contactId, delivered.conversationId, delivered.channelId, delivered.channelType],
      [contactId, conversationId, ch.channelId, ChannelType.WHATSAPP],
    );
    assert.equal((await deliveryRow(messageId))?.status, "DELIVERED");

    await publish(receipt(ch, wamid, MessageStatus.READ));
    await h.waitForStatus(messageId, MessageStatus.READ);
    assert.equal((await deliveryRow(messageId))?.status, "READ");

    // Out of order: an older status and a failure after the read change nothing.
    assert.deepEqual(await handled(receipt(ch, wamid, MessageStatus.DELIVERED)), []);
    assert.deepEqual(await handled(receipt(ch, wamid, MessageStatus.SENT)), []);
    assert.deepEqual(await handled(receipt(ch, wamid, MessageStatus.FAILED)), []);
    assert.equal((await deliveryRow(messageId))?.status, "READ");
    assert.deepEqual(statusesOf(messageId), ["SENT", "DELIVERED", "READ"]);
  });

  it("accepts read without delivered, and keeps a failure terminal with its error", async () => {
    const ch = await h.newChannel();
    const first = await sentMessage(ch);
    await publish(receipt(ch, first.wamid, MessageStatus.READ));
    await h.waitForStatus(first.messageId, MessageStatus.READ);

    const second = await sentMessage(ch);
    await publish(
      receipt(ch, second.wamid, MessageStatus.FAILED, {
        errors: [
          { code: 131026, title: "Message undeliverable", message: "Message undeliverable", details: "x" },
        ],
      }),
    );
    const failed = await h.waitForStatus(second.messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.code, 131026);
    assert.equal(failed.error?.title, "Message undeliverable");
    const row = await deliveryRow(second.messageId);
    assert.equal(row?.status, "FAILED");
    assert.equal(row?.last_error_code, 131026);
    assert.deepEqual(await handled(receipt(ch, second.wamid, MessageStatus.READ)), []);
    assert.equal((await deliveryRow(second.messageId))?.status, "FAILED");
  });

  it("stores a failure whose error text Postgres cannot hold (a NUL, a lone surrogate), cleaned", async () => {
    const ch = await h.newChannel();
    const { messageId, wamid } = await sentMessage(ch);
    const event = receipt(ch, wamid, MessageStatus.FAILED, {
      errors: [
        {
          code: 131026,
          title: "Message\u0000undeliverable",
          message: "Message undeliverable \ud800",
          details: "\u0000",
        },
      ],
    });
    // Before: the transaction failed on the NUL, and the bus redelivered it until it dead-lettered.
    const outputs = await handled(event);
    assert.equal(outputs.length, 1);
    const failed = await h.waitForStatus(messageId, MessageStatus.FAILED);
    assert.equal(failed.error?.title, "Message\uFFFDundeliverable", "announced as stored");
    const [row] = await adminQuery<{
      last_error_title: string;
      last_error_message: string;
      last_error_details: string;
    }>(
      "select last_error_title, last_error_message, last_error_details from delivery.deliveries where message_id = $1",
      [messageId],
    );
    assert.deepEqual(row, {
      last_error_title: "Message\uFFFDundeliverable",
      last_error_message: "Message undeliverable \uFFFD",
      last_error_details: "\uFFFD",
    });
  });

  it("acks and ignores a receipt whose message id holds a NUL", async () => {
    const ch = await h.newChannel();
    const odd = receipt(ch, "wamid.\u0000", MessageStatus.DELIVERED);
    if (odd.meta) odd.meta.occurredAt = timestampFromMs(Date.now() - 60_000);
    // Before: the lookup itself failed (a NUL cannot be a query parameter) until the event dead-lettered.
    assert.deepEqual(await handled(odd), []);
  });

  it("acks and ignores a receipt for a message that is not ours", async () => {
    const ch = await h.newChannel();
    const old = receipt(ch, "wamid.NOT-OURS", MessageStatus.DELIVERED);
    if (old.meta) old.meta.occurredAt = timestampFromMs(Date.now() - 60_000);
    assert.deepEqual(await handled(old), []);
    assert.equal(
      h.statuses.some((s) => s.externalMessageId === "wamid.NOT-OURS"),
      false,
    );
  });

  it("applies a receipt that overtook the recording of its send", async () => {
    const ch = await h.newChannel();
    const wamid = `wamid.${newId()}`;
    const messageId = newId();
    await publish(receipt(ch, wamid, MessageStatus.DELIVERED));
    // The send's outcome lands after the receipt (as when Meta's webhook beats our commit).
    await adminQuery(
      `insert into delivery.deliveries (id, tenant_id, workspace_id, message_id, conversation_id, channel_id,
         channel_type, recipient, status, external_message_id, attempt_count, request)
       values ($1, $2, $3, $4, $5, $6, 'WHATSAPP', $7, 'SENT', $8, 1, '\\x'::bytea)`,
      [newId(), ch.tenantId, ch.workspaceId, messageId, newId(), ch.channelId, RECIPIENT, wamid],
    );
    await h.waitForStatus(messageId, MessageStatus.DELIVERED);
    assert.equal((await deliveryRow(messageId))?.status, "DELIVERED");
  });
});
