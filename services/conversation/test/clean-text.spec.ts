import assert from "node:assert/strict";
import {
  ReplyGeneratedSchema,
  TagContactActionSchema,
  ToolActionSchema,
  UpdateContactActionSchema,
} from "@atendo/proto/ai/v1";
import { MediaKind, MessageSchema, MessageStatus } from "@atendo/proto/common/v1";
import { OutboundCreatedSchema, TurnReadySchema } from "@atendo/proto/conversation/v1";
import { StatusChangedSchema } from "@atendo/proto/delivery/v1";
import { MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { messagesWhen, theConversation } from "./support/db.js";
import { messageReceived, newCustomer, replyGenerated, statusChanged } from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

// What channels may send and Postgres cannot hold: a NUL (refused in text and jsonb) and a lone
// surrogate (not Unicode). Both are stored as U+FFFD.
const DIRTY = "a\u0000b\ud800c";
const CLEAN = "a\uFFFDb\uFFFDc";

describe("text Postgres cannot hold", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation();
  });
  after(async () => {
    await h?.stop();
  });

  it("stores a message whose text, caption and contact name hold NUL and a lone surrogate, cleaned, and answers it", async () => {
    const c = newCustomer();
    const first = messageReceived(c, { body: `Oi ${DIRTY}`, displayName: `Maria ${DIRTY}` });
    first.raw = `{"text":{"body":"Oi ${DIRTY}"}}`;
    if (first.contact !== undefined) first.contact.username = `maria${DIRTY}`;
    const photo = create(MessageSchema, {
      content: {
        case: "media",
        value: { kind: MediaKind.IMAGE, media: { channelMediaId: "1234567890" }, caption: `Foto ${DIRTY}` },
      },
    });
    const second = messageReceived(c, { message: photo, displayName: `Maria ${DIRTY}` });
    await h.bus.publish(MessageReceivedSchema, first);
    await h.bus.publish(MessageReceivedSchema, second);

    const inbound = await messagesWhen(c.channelId, (rows) => rows.length === 2);
    assert.deepEqual(inbound.map((m) => m.text).sort(), [`Oi ${CLEAN}`, `[image] Foto ${CLEAN}`].sort());
    const [raw] = await adminQuery<{ raw: string }>(
      "select raw from conversation.messages where external_id = $1",
      [first.externalMessageId],
    );
    assert.equal(raw?.raw, `{"text":{"body":"Oi ${CLEAN}"}}`);
    const [contact] = await adminQuery<{ display_name: string; username: string }>(
      "select display_name, username from conversation.contacts where channel_id = $1",
      [c.channelId],
    );
    assert.deepEqual(contact, { display_name: `Maria ${CLEAN}`, username: `maria${CLEAN}` });

    // Answered: the turn covers both messages, and the reply (which may quote them) is stored too.
    const conversation = await theConversation(c.channelId, (row) => row.turn_epoch === 2);
    const turn = await waitFor(
      () =>
        h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id && t.turnEpoch === 2),
      { message: "the turn of the second message" },
    );
    assert.deepEqual([...turn.messageIds].sort(), inbound.map((m) => m.id).sort());
    const reply = replyGenerated(c, {
      conversationId: conversation.id,
      turnEpoch: turn.turnEpoch,
      answeredMessageIds: turn.messageIds,
      parts: [`Recebi: ${DIRTY}`],
    });
    reply.actions.push(
      create(ToolActionSchema, {
        action: {
          case: "updateContact",
          value: create(UpdateContactActionSchema, {
            name: `Maria ${DIRTY}`,
            attributes: { [`pedido${DIRTY}`]: DIRTY },
          }),
        },
      }),
      create(ToolActionSchema, {
        action: { case: "tagContact", value: create(TagContactActionSchema, { tags: [`vip${DIRTY}`] }) },
      }),
    );
    await h.bus.publish(ReplyGeneratedSchema, reply);
    const rows = await messagesWhen(c.channelId, (r) => r.some((m) => m.direction === "OUTBOUND"));
    assert.equal(rows.find((m) => m.direction === "OUTBOUND")?.text, `Recebi: ${CLEAN}`);
    await waitFor(
      () => h.captured.of(OutboundCreatedSchema).some((o) => o.conversationId === conversation.id),
      {
        message: "the reply handed to delivery",
      },
    );
    const [updated] = await adminQuery<{ name: string; attributes: unknown; tags: string[] }>(
      "select name, attributes, tags from conversation.contacts where channel_id = $1",
      [c.channelId],
    );
    assert.deepEqual(updated, {
      name: `Maria ${CLEAN}`,
      attributes: { [`pedido${CLEAN}`]: CLEAN },
      tags: [`vip${CLEAN}`],
    });
    const [answered] = await adminQuery<{ answered_epoch: number; last_message_preview: string }>(
      "select answered_epoch, last_message_preview from conversation.conversations where id = $1",
      [conversation.id],
    );
    assert.deepEqual(answered, { answered_epoch: turn.turnEpoch, last_message_preview: `Recebi: ${CLEAN}` });
    // Delivery reports the channel's id of the reply (a Graph answer may hold anything too).
    const outbound = rows.find((m) => m.direction === "OUTBOUND");
    const sent = statusChanged(c, {
      conversationId: conversation.id,
      messageId: outbound?.id ?? "",
      status: MessageStatus.SENT,
      externalMessageId: `wamid.${DIRTY}`,
    });
    await h.bus.publish(StatusChangedSchema, sent);
    await messagesWhen(c.channelId, (r) =>
      r.some((m) => m.id === outbound?.id && m.status === "SENT" && m.external_id === `wamid.${CLEAN}`),
    );
    for (const event of [first, second, reply, sent]) {
      assert.deepEqual(
        h.logs.matching((l) => l.event_id === event.meta?.eventId && l.level !== "debug"),
        [],
        "handled on the first delivery: no failure, no retry",
      );
    }
  });
});
