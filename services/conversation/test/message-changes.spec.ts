import assert from "node:assert/strict";
import {
  MessageSchema,
  ReactionContentSchema,
  ReferralSchema,
  UnsupportedContentSchema,
} from "@atendo/proto/common/v1";
import {
  type ConversationMessage,
  MessageStoredSchema,
  MessageUpdatedSchema,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import {
  MessageChangeKind,
  MessageChangeReceivedSchema,
  MessageReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { messagesOfChannel, theConversation } from "./support/db.js";
import {
  actorOf,
  bodyOf,
  contactActor,
  messageChanged,
  messageReceived,
  newCustomer,
  routingOf,
  routingOfRow,
} from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

const versionsOf = (m: ConversationMessage | undefined) => (m?.previousVersions ?? []).map(bodyOf);

describe("message changes (edits, deletions, reactions, referrals)", () => {
  let h: Harness;
  before(async () => {
    // A long window: the tests act on turns before they are flushed.
    h = await startConversation({ BUFFER_WINDOW_MS: "1500" });
  });
  after(async () => {
    await h?.stop();
  });

  const updatesOf = (messageId: string) =>
    h.captured.of(MessageUpdatedSchema).filter((e) => e.message?.id === messageId);

  it("shows the newest edit and keeps every earlier version, whatever order edits arrive in", async () => {
    const c = newCustomer();
    const sent = new Date(Date.now() - 60_000);
    const original = messageReceived(c, { body: "I want 2 cakes", sentAt: sent });
    await h.bus.publish(MessageReceivedSchema, original);
    const conversation = await theConversation(c.channelId);
    const target = original.externalMessageId;

    // Instagram numbers its edits; the second overtakes the first.
    const second = messageChanged(c, {
      target,
      kind: MessageChangeKind.EDITED,
      body: "I want 4 cakes",
      editNumber: 2,
      occurredAt: new Date(sent.getTime() + 20_000),
    });
    const first = messageChanged(c, {
      target,
      kind: MessageChangeKind.EDITED,
      body: "I want 3 cakes",
      editNumber: 1,
      occurredAt: new Date(sent.getTime() + 10_000),
    });
    await h.bus.publish(MessageChangeReceivedSchema, second);
    await h.handled(second.meta?.eventId);
    await h.bus.publish(MessageChangeReceivedSchema, first);
    // The same edit again under another event id (ingress replayed it): nothing changes.
    const replay = messageChanged(c, {
      target,
      kind: MessageChangeKind.EDITED,
      body: "I want 3 cakes",
      editNumber: 1,
      occurredAt: new Date(sent.getTime() + 10_000),
    });
    await h.bus.publish(MessageChangeReceivedSchema, replay);
    await h.handled(first.meta?.eventId);
    await h.handled(replay.meta?.eventId);

    const [row] = await messagesOfChannel(c.channelId);
    assert.equal(row?.text, "I want 4 cakes", "the newest edit is shown");
    assert.equal(row?.edit_count, 2);
    assert.equal(row?.edited_at?.getTime(), sent.getTime() + 20_000);
    const updates = updatesOf(row?.id ?? "");
    assert.equal(updates.length, 2, "one update per edit, none for the replay");
    const last = updates.find((u) => u.message?.editCount === 2)?.message;
    assert.equal(bodyOf(last), "I want 4 cakes");
    assert.deepEqual(
      versionsOf(last),
      ["I want 2 cakes", "I want 3 cakes"],
      "earlier versions, oldest first",
    );
    assert.equal(last?.editedAt && timestampDate(last.editedAt).getTime(), sent.getTime() + 20_000);
    const update = updates[0];
    assert.deepEqual(update?.changedFields, ["content"]);
    assert.deepEqual(actorOf(update?.meta), contactActor(conversation));
    assert.ok(update);
    assert.deepEqual(routingOf(update), routingOfRow(c, conversation));
  });

  it("applies an edit that arrives before its message when the message comes", async () => {
    const c = newCustomer();
    const original = messageReceived(c, { body: "see you at 5", sentAt: new Date(Date.now() - 5_000) });
    const edit = messageChanged(c, {
      target: original.externalMessageId,
      kind: MessageChangeKind.EDITED,
      body: "see you at 6",
      externalChangeId: "wamid.edit-1",
    });
    await h.bus.publish(MessageChangeReceivedSchema, edit);
    await h.bus.publish(MessageChangeReceivedSchema, edit, { msgId: `${edit.meta?.eventId}-again` });
    await h.handled(edit.meta?.eventId, 2);
    assert.deepEqual(await messagesOfChannel(c.channelId), [], "nothing to change yet");

    await h.bus.publish(MessageReceivedSchema, original);
    const stored = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.message?.externalId === original.externalMessageId),
    );
    assert.equal(bodyOf(stored.message), "see you at 6");
    assert.equal(stored.message?.editCount, 1);
    assert.deepEqual(versionsOf(stored.message), ["see you at 5"]);
    const [kept] = await adminQuery<{ n: number }>(
      "select count(*)::int as n from conversation.early_changes where channel_id = $1",
      [c.channelId],
    );
    assert.equal(kept?.n, 0, "the early edit was used up");
  });

  it("removes a deleted message's content, keeps the fact, and takes it out of the pending turn", async () => {
    const c = newCustomer();
    const keep = messageReceived(c, { body: "What are your prices?", sentAt: new Date(Date.now() - 2_000) });
    const oops = messageReceived(c, { body: "my card is 4111 1111 1111 1111" });
    await h.bus.publish(MessageReceivedSchema, keep);
    await h.bus.publish(MessageReceivedSchema, oops);
    const conversation = await theConversation(c.channelId, (r) => r.turn_epoch === 2);
    const edit = messageChanged(c, {
      target: oops.externalMessageId,
      kind: MessageChangeKind.EDITED,
      body: "my card is 4111",
    });
    await h.bus.publish(MessageChangeReceivedSchema, edit);
    await h.handled(edit.meta?.eventId);
    const deletion = messageChanged(c, { target: oops.externalMessageId, kind: MessageChangeKind.DELETED });
    await h.bus.publish(MessageChangeReceivedSchema, deletion);
    await h.bus.publish(MessageChangeReceivedSchema, deletion, { msgId: `${deletion.meta?.eventId}-again` });
    await h.handled(deletion.meta?.eventId, 2);

    const rows = await messagesOfChannel(c.channelId);
    const deleted = rows.find((m) => m.external_id === oops.externalMessageId);
    assert.ok(deleted?.deleted_at, "the fact is kept");
    assert.equal(deleted?.text, "");
    assert.equal(deleted?.answerable, false, "no longer a question to answer");
    const content = Buffer.from(deleted.content).toString("latin1");
    assert.ok(!content.includes("4111"), "nothing of the content is left");
    const [versions] = await adminQuery<{ n: number }>(
      "select count(*)::int as n from conversation.message_versions where message_id = $1",
      [deleted.id],
    );
    assert.equal(versions?.n, 0, "earlier versions go with it");
    const updates = updatesOf(deleted.id);
    assert.equal(updates.filter((u) => u.changedFields.includes("deleted")).length, 1);
    const tomb = updates.find((u) => u.changedFields.includes("deleted"))?.message;
    assert.ok(tomb?.deletedAt);
    assert.equal(tomb?.message?.content.case, "unsupported");
    assert.deepEqual(tomb?.previousVersions, []);

    // The turn goes with the one question left.
    const turn = await waitFor(() =>
      h.captured.of(TurnReadySchema).find((t) => t.conversationId === conversation.id),
    );
    const kept = rows.find((m) => m.external_id === keep.externalMessageId);
    assert.deepEqual(turn.messageIds, [kept?.id]);
    const after = await theConversation(c.channelId);
    assert.equal(after.last_message_preview, "[deleted]", "the inbox preview no longer shows it");
    assert.equal(after.turn_epoch, 3, "a reply already generated with the deleted question is dropped");
  });

  it("ends a turn whose only question was deleted, and stores a message deleted before it arrived as deleted", async () => {
    const c = newCustomer();
    const only = messageReceived(c, { body: "wrong chat, sorry" });
    await h.bus.publish(MessageReceivedSchema, only);
    const conversation = await theConversation(c.channelId, (r) => r.turn_epoch === 1);
    const deletion = messageChanged(c, { target: only.externalMessageId, kind: MessageChangeKind.DELETED });
    await h.bus.publish(MessageChangeReceivedSchema, deletion);
    await h.handled(deletion.meta?.eventId);
    const ended = await theConversation(c.channelId);
    assert.equal(ended.flushed_epoch, ended.turn_epoch, "nothing left to flush, nothing for the sweep");

    const early = messageReceived(c, { body: "another mistake" });
    const earlyDeletion = messageChanged(c, {
      target: early.externalMessageId,
      kind: MessageChangeKind.DELETED,
    });
    await h.bus.publish(MessageChangeReceivedSchema, earlyDeletion);
    await h.handled(earlyDeletion.meta?.eventId);
    await h.bus.publish(MessageReceivedSchema, early);
    await h.handled(early.meta?.eventId);
    const rows = await messagesOfChannel(c.channelId);
    const late = rows.find((m) => m.external_id === early.externalMessageId);
    assert.ok(late?.deleted_at);
    assert.equal(late?.answerable, false);
    assert.equal((await theConversation(c.channelId)).turn_epoch, ended.turn_epoch, "it started no turn");
    // The flusher took the armed entry and found nothing to hand over: no TurnReady ever came.
    const member = `${c.tenantId}:${conversation.id}`;
    await waitFor(
      async () =>
        (await h.redis.zscore(`${h.keyPrefix}buffer:due`, member)) === null &&
        (await h.redis.zscore(`${h.keyPrefix}buffer:leased`, member)) === null,
      { message: "the buffer entry flushed away" },
    );
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      0,
    );
  });

  it("stores reactions, unreacts and referrals without a message, and answers none of them", async () => {
    const c = newCustomer();
    const question = messageReceived(c, { body: "hello" });
    const reaction = messageReceived(c, {
      message: create(MessageSchema, {
        content: {
          case: "reaction",
          value: create(ReactionContentSchema, {
            targetExternalMessageId: question.externalMessageId,
            emoji: "❤",
          }),
        },
      }),
    });
    const unreact = messageReceived(c, {
      message: create(MessageSchema, {
        content: {
          case: "reaction",
          value: create(ReactionContentSchema, {
            targetExternalMessageId: question.externalMessageId,
            emoji: "",
          }),
        },
      }),
    });
    const referral = messageReceived(c, {
      message: create(MessageSchema, {
        content: {
          case: "unsupported",
          value: create(UnsupportedContentSchema, { originalType: "referral" }),
        },
        referral: create(ReferralSchema, { ref: "summer-sale", sourceType: "OPEN_THREAD" }),
      }),
    });
    for (const e of [reaction, unreact, referral]) await h.bus.publish(MessageReceivedSchema, e);
    for (const e of [reaction, unreact, referral]) await h.handled(e.meta?.eventId);
    const rows = await messagesOfChannel(c.channelId);
    assert.deepEqual(rows.map((m) => [m.text, m.answerable, m.turn_epoch]).sort(), [
      ["[reaction removed]", false, 0],
      ["[referral]", false, 0],
      ["❤", false, 0],
    ]);
    const conversation = await theConversation(c.channelId);
    assert.equal(conversation.turn_epoch, 0, "no turn: nothing to answer");
    const stored = h.captured
      .of(MessageStoredSchema)
      .find((e) => e.message?.externalId === referral.externalMessageId);
    assert.equal(stored?.message?.message?.referral?.ref, "summer-sale", "the referral is on the timeline");
  });
});
