import assert from "node:assert/strict";
import { ReplyGeneratedSchema } from "@atendo/proto/ai/v1";
import { ChannelErrorSchema, MessageStatus } from "@atendo/proto/common/v1";
import { TurnReadySchema } from "@atendo/proto/conversation/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { create, fromBinary } from "@bufbuild/protobuf";
import { theConversation } from "./support/db.js";
import {
  type Customer,
  messageReceived,
  newCustomer,
  replyGenerated,
  statusChanged,
} from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

interface StatusRow {
  status: string;
  external_id: string | null;
  error: Buffer | null;
  sent_at: Date | null;
}

describe("StatusChanged", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "0" });
  });
  after(async () => {
    await h?.stop();
  });

  /** An AI reply waiting for delivery: its conversation and message ids. */
  async function pendingReply(c: Customer): Promise<{ conversationId: string; messageId: string }> {
    await h.bus.publish(MessageReceivedSchema, messageReceived(c));
    const conversation = await theConversation(c.channelId);
    const turn = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
    });
    await h.bus.publish(ReplyGeneratedSchema, reply);
    await h.handled(reply.meta?.eventId);
    const [row] = await adminQuery<{ id: string }>(
      "select id from conversation.messages where conversation_id = $1 and direction = 'OUTBOUND'",
      [conversation.id],
    );
    assert.ok(row);
    return { conversationId: conversation.id, messageId: row.id };
  }

  async function report(
    c: Customer,
    ids: { conversationId: string; messageId: string },
    status: MessageStatus,
    extra: { externalMessageId?: string } = {},
  ) {
    const event = statusChanged(c, { ...ids, status, ...extra });
    await h.bus.publish(StatusChangedSchema, event);
    await h.handled(event.meta?.eventId);
    const [row] = await adminQuery<StatusRow>(
      "select status, external_id, error, sent_at from conversation.messages where id = $1",
      [ids.messageId],
    );
    assert.ok(row);
    return row;
  }

  it("moves the status forward only and records the channel's message id", async () => {
    const c = newCustomer();
    const ids = await pendingReply(c);
    const wamid = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ1QjQ5";

    const sent = await report(c, ids, MessageStatus.SENT, { externalMessageId: wamid });
    assert.equal(sent.status, "SENT");
    assert.equal(sent.external_id, wamid);
    assert.ok(sent.sent_at instanceof Date);

    // Meta does not guarantee order: read may come before delivered.
    assert.equal((await report(c, ids, MessageStatus.READ)).status, "READ");
    assert.equal((await report(c, ids, MessageStatus.DELIVERED)).status, "READ");
    assert.equal((await report(c, ids, MessageStatus.SENT)).status, "READ");
    assert.equal((await report(c, ids, MessageStatus.READ)).external_id, wamid);
  });

  it("keeps FAILED terminal and stores the channel's error", async () => {
    const c = newCustomer();
    const ids = await pendingReply(c);
    const event = statusChanged(c, { ...ids, status: MessageStatus.FAILED });
    event.error = create(ChannelErrorSchema, {
      code: 131047,
      title: "Re-engagement message",
      message: "More than 24 hours have passed since the recipient last replied",
    });
    await h.bus.publish(StatusChangedSchema, event);
    await h.handled(event.meta?.eventId);

    const late = await report(c, ids, MessageStatus.DELIVERED);
    assert.equal(late.status, "FAILED");
    assert.ok(late.error !== null);
    assert.equal(fromBinary(ChannelErrorSchema, late.error).code, 131047);
  });
});
