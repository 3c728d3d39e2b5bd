import assert from "node:assert/strict";
import { ActorKind, MediaState, type Message } from "@atendo/proto/common/v1";
import { MessageStoredSchema, MessageUpdatedSchema, TurnReadySchema } from "@atendo/proto/conversation/v1";
import { MediaStoredSchema, MessageReceivedSchema } from "@atendo/proto/ingress/v1";
import { adminQuery, waitFor } from "@atendo/testing";
import { messagesWhen, theConversation } from "./support/db.js";
import { mediaStored, messageReceived, newCustomer, pendingImage } from "./support/events.js";
import { type Harness, startConversation } from "./support/harness.js";

const MEDIA_WAIT_MS = 2_500;
const mediaRefOf = (m: Message | undefined) =>
  m?.content.case === "media" ? m.content.value.media : undefined;

describe("media in the reply buffer", () => {
  let h: Harness;
  before(async () => {
    h = await startConversation({ BUFFER_WINDOW_MS: "200", MEDIA_WAIT_MS: String(MEDIA_WAIT_MS) });
  });
  after(async () => {
    await h?.stop();
  });

  const turnAt = (conversationId: string) =>
    waitFor(() =>
      h.captured.all.find(
        (e) => e.event.$typeName === TurnReadySchema.typeName && e.event.conversationId === conversationId,
      ),
    );
  const waitedFor = (conversationId: string) =>
    h.logs.matching((l) => l.msg === "turn waits for media" && l.conversation_id === conversationId).length >
    0;

  it("holds a turn until its media is stored, then lets it go at once", async () => {
    const c = newCustomer();
    const photo = messageReceived(c, { message: pendingImage("is this one in stock?") });
    await h.bus.publish(MessageReceivedSchema, photo);
    const conversation = await theConversation(c.channelId, (r) => r.turn_epoch === 1);
    const storedAt = Date.now();
    await waitFor(() => waitedFor(conversation.id), { message: "the flusher held the turn" });
    assert.equal(
      h.captured.of(TurnReadySchema).filter((t) => t.conversationId === conversation.id).length,
      0,
    );

    const stored = mediaStored(c, { externalMessageId: photo.externalMessageId, state: MediaState.STORED });
    await h.bus.publish(MediaStoredSchema, stored);
    await h.bus.publish(MediaStoredSchema, stored, { msgId: `${stored.meta?.eventId}-again` });
    const turn = await turnAt(conversation.id);
    assert.ok(turn.at - storedAt < MEDIA_WAIT_MS, "released by the stored media, not by the maximum wait");

    const [row] = await messagesWhen(c.channelId, (r) => r.length === 1);
    assert.deepEqual(turn.event.$typeName === TurnReadySchema.typeName && turn.event.messageIds, [row?.id]);
    await h.handled(stored.meta?.eventId, 2);
    const updates = h.captured.of(MessageUpdatedSchema).filter((e) => e.message?.id === row?.id);
    assert.equal(updates.length, 1, "the repeated MediaStored changed nothing");
    const ref = mediaRefOf(updates[0]?.message?.message);
    assert.deepEqual([ref?.state, ref?.mediaId, ref?.sizeBytes], [MediaState.STORED, stored.mediaId, 48_213]);
    assert.deepEqual(updates[0]?.changedFields, ["media"]);
    assert.equal(updates[0]?.meta?.actor?.kind, ActorKind.SYSTEM);
  });

  it("lets the turn go after the maximum wait when the media never comes", async () => {
    const c = newCustomer();
    await h.bus.publish(MessageReceivedSchema, messageReceived(c, { message: pendingImage() }));
    const conversation = await theConversation(c.channelId, (r) => r.turn_epoch === 1);
    const [row] = await messagesWhen(c.channelId, (r) => r.length === 1);
    const turn = await turnAt(conversation.id);
    assert.ok(waitedFor(conversation.id));
    // Measured from the message's storing time, which the row keeps (sort_at is the channel's time).
    const [stored] = await adminQuery<{ created_at: Date }>(
      "select created_at from conversation.messages where id = $1",
      [row?.id],
    );
    assert.ok(
      stored && turn.at >= stored.created_at.getTime() + MEDIA_WAIT_MS - 50,
      "not before the maximum wait",
    );
  });

  it("records a failed download and answers without the file", async () => {
    const c = newCustomer();
    const voice = messageReceived(c, { message: pendingImage() });
    await h.bus.publish(MessageReceivedSchema, voice);
    const conversation = await theConversation(c.channelId, (r) => r.turn_epoch === 1);
    await waitFor(() => waitedFor(conversation.id));
    const failed = mediaStored(c, {
      externalMessageId: voice.externalMessageId,
      state: MediaState.FAILED,
      failureReason: "larger than 5 MB for an image",
    });
    await h.bus.publish(MediaStoredSchema, failed);
    await turnAt(conversation.id);
    const update = await waitFor(() =>
      h.captured.of(MessageUpdatedSchema).find((e) => e.conversationId === conversation.id),
    );
    const ref = mediaRefOf(update.message?.message);
    assert.deepEqual(
      [ref?.state, ref?.mediaId, ref?.failureReason],
      [MediaState.FAILED, "", "larger than 5 MB for an image"],
    );
  });

  it("does not wait for media stored before its message arrived", async () => {
    const c = newCustomer();
    const photo = messageReceived(c, { message: pendingImage() });
    const stored = mediaStored(c, { externalMessageId: photo.externalMessageId, state: MediaState.STORED });
    await h.bus.publish(MediaStoredSchema, stored);
    await h.handled(stored.meta?.eventId);
    await h.bus.publish(MessageReceivedSchema, photo);
    const message = await waitFor(() =>
      h.captured.of(MessageStoredSchema).find((e) => e.message?.externalId === photo.externalMessageId),
    );
    assert.equal(mediaRefOf(message.message?.message)?.state, MediaState.STORED);
    assert.equal(mediaRefOf(message.message?.message)?.mediaId, stored.mediaId);
    const conversation = await theConversation(c.channelId);
    await turnAt(conversation.id);
    assert.equal(waitedFor(conversation.id), false, "nothing to wait for");
  });
});
