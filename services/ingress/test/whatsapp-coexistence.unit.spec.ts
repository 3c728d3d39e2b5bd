import assert from "node:assert/strict";
import { ActorKind, HistorySyncState, MediaKind, MediaState } from "@atendo/proto/common/v1";
import { ContactSyncAction, MessageChangeKind, type MessageReceived } from "@atendo/proto/ingress/v1";
import { readFixture } from "@atendo/testing";
import { splitWhatsAppDelivery } from "../src/domain/whatsapp-delivery.js";
import { TEST_DELIVERY_CONTEXT } from "./support/delivery-context.js";
import { waBody } from "./support/whatsapp-payloads.js";

const ctx = TEST_DELIVERY_CONTEXT;
const split = (name: string) => splitWhatsAppDelivery(readFixture(`whatsapp/${name}`), ctx);

function text(event: MessageReceived | undefined): string | undefined {
  const content = event?.message?.content;
  return content?.case === "text" ? content.value.body : undefined;
}

describe("WhatsApp coexistence: smb_message_echoes", () => {
  it("an echo is the business writing to the customer: is_echo, contact = to, content as inbound", () => {
    const parts = split("smb-message-echo.json");
    assert.deepEqual(parts.notes, []);
    assert.equal(parts.ignored, undefined);
    const [echo] = parts.messages;
    assert.equal(
      echo?.msgId,
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjNBRUNIT1RFWFQwMDAwMDAwMQA=",
      "deduped on id",
    );
    assert.equal(echo.event.isEcho, true);
    assert.equal(echo.event.history, false);
    assert.equal(echo.event.contact?.externalId, "5511987654321");
    assert.equal(echo.event.contact?.phone, "+5511987654321");
    assert.equal(echo.event.contact?.displayName, "", "echoes carry no name");
    assert.equal(
      text(echo.event),
      "Oi Ana! Sim, abrimos no domingo das 10h às 16h. Pode reservar por aqui mesmo.",
    );
    assert.equal(echo.event.sentAt?.seconds, 1767230100n);
    assert.equal(echo.event.meta?.actor?.kind, ActorKind.BUSINESS_APP);
  });

  it("the customer is to_user_id when to is empty", () => {
    const parts = splitWhatsAppDelivery(
      waBody({
        field: "smb_message_echoes",
        echoes: [
          {
            from: "15550001111",
            to: "",
            to_user_id: "BR.1A2B3C",
            id: "wamid.E2",
            timestamp: "1767225600",
            type: "text",
            text: { body: "Oi" },
          },
        ],
      }),
      ctx,
    );
    assert.deepEqual(parts.notes, []);
    const contact = parts.messages[0]?.event.contact;
    assert.equal(contact?.externalId, "BR.1A2B3C");
    assert.equal(contact?.userId, "BR.1A2B3C");
    assert.equal(contact?.waId, "");
  });

  it("an echo of media keeps it pending for the media fetcher", () => {
    const parts = splitWhatsAppDelivery(
      waBody({
        field: "smb_message_echoes",
        echoes: [
          {
            from: "15550001111",
            to: "5511987654321",
            id: "wamid.E3",
            timestamp: "1767225600",
            type: "image",
            image: { mime_type: "image/jpeg", sha256: "x", id: "1900000000000009" },
          },
        ],
      }),
      ctx,
    );
    const content = parts.messages[0]?.event.message?.content;
    assert.equal(content?.case, "media");
    assert.equal(content.value.kind, MediaKind.IMAGE);
    assert.equal(content.value.media?.state, MediaState.PENDING);
    assert.equal(parts.messages[0]?.event.isEcho, true);
  });
});

describe("WhatsApp coexistence: history", () => {
  it("phase 0: each thread message is history, direction from the display number, status kept", () => {
    const parts = split("history-phase0-chunk1.json");
    assert.deepEqual(parts.notes, []);
    const [asked, answered, photo] = parts.messages.map((m) => m.event);
    assert.ok(asked && answered && photo);
    for (const m of [asked, answered, photo]) {
      assert.equal(m.history, true);
      assert.equal(m.stale, false, "history is never answered anyway; stale stays false");
      assert.equal(m.contact?.externalId, "5511987654321", "the thread's customer");
    }
    assert.equal(asked.isEcho, false);
    assert.equal(asked.meta?.actor?.kind, ActorKind.CONTACT);
    assert.equal(text(asked), "Bom dia! Vocês têm mesa para 4 no sábado?");
    assert.equal(asked.historyStatus, "READ");
    assert.equal(asked.sentAt?.seconds, 1767139200n, "its own timestamp");
    assert.equal(answered.isEcho, true, "from is the display number: the business sent it");
    assert.equal(answered.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.equal(photo.historyStatus, "DELIVERED");
  });

  it("a media_placeholder is unsupported under <id>:placeholder; the later media keeps the plain id", () => {
    const placeholder = split("history-phase0-chunk1.json").messages[2];
    const id = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkhJU1QwQU5BMDAwMDAwMDAyAA==";
    assert.equal(placeholder?.msgId, `${id}:placeholder`);
    assert.equal(placeholder.event.externalMessageId, id);
    const content = placeholder.event.message?.content;
    assert.equal(content?.case === "unsupported" && content.value.originalType, "media_placeholder");

    const media = split("history-media.json");
    assert.deepEqual(media.notes, []);
    const [later] = media.messages;
    assert.equal(later?.msgId, id, "not a duplicate of the placeholder");
    assert.notEqual(later.event.meta?.eventId, placeholder.event.meta?.eventId);
    assert.equal(later.event.history, true);
    assert.equal(later.event.historyStatus, "DELIVERED");
    const image = later.event.message?.content;
    assert.equal(image?.case === "media" && image.value.media?.channelMediaId, "1900000000000002");
    assert.equal(image?.case === "media" && image.value.media?.state, MediaState.PENDING);
  });

  it("history messages dedupe with live traffic on their id", () => {
    const [m] = split("history-phase1-chunk1.json").messages;
    assert.equal(m?.msgId, "wamid.HBgLMTQxNTU1NTAxMjMVAgASGBJISVNUMVNBTTAwMDAwMDAwMDEA");
  });

  it("one HistorySyncProgressed per chunk, whatever order the chunks come in", () => {
    const second = split("history-phase1-chunk2.json").historyProgress;
    const first = split("history-phase1-chunk1.json").historyProgress;
    assert.deepEqual(
      [...second, ...first].map((p) => [p.msgId, p.event.phase, p.event.chunkOrder, p.event.progress]),
      [
        ["history:1:2", 1, 2, 70],
        ["history:1:1", 1, 1, 50],
      ],
    );
    for (const p of [...second, ...first]) {
      assert.equal(p.event.state, HistorySyncState.IN_PROGRESS);
      assert.equal(p.event.messageCount, 2);
      assert.equal(p.event.channelId, ctx.channelId);
      assert.equal(p.event.webhookEventId, ctx.webhookEventId);
      assert.equal(p.event.meta?.actor?.kind, ActorKind.SYSTEM);
    }
  });

  it("progress 100 completes the import", () => {
    const [p] = split("history-phase2-chunk1.json").historyProgress;
    assert.equal(p?.event.state, HistorySyncState.COMPLETED);
    assert.equal(p.event.phase, 2);
    assert.equal(p.event.messageCount, 1);
  });

  it("a declined import is DECLINED with Meta's code and message, and no message", () => {
    const parts = split("history-declined.json");
    assert.deepEqual(parts.notes, []);
    assert.equal(parts.messages.length, 0);
    const [p] = parts.historyProgress;
    assert.equal(p?.msgId, "history:error:2593109");
    assert.equal(p.event.state, HistorySyncState.DECLINED);
    assert.equal(p.event.errorCode, 2593109);
    assert.equal(p.event.errorMessage, "The business declined to share its chat history.");
  });

  it("maps a large chunk in one linear pass", () => {
    const count = 12_000;
    const messages = Array.from({ length: count }, (_, i) => ({
      from: i % 2 === 0 ? "5511987654321" : "15550001111",
      id: `wamid.BULK${i}`,
      timestamp: String(1767000000 + i),
      type: "text",
      text: { body: `message ${i}` },
      history_context: { status: "READ" },
    }));
    const body = waBody({
      field: "history",
      history: [
        {
          metadata: { phase: 1, chunk_order: 3, progress: 80 },
          threads: [{ id: "5511987654321", messages }],
        },
      ],
    });
    assert.ok(body.length > 1_500_000, `a chunk of ${body.length} bytes`);
    const started = performance.now();
    const parts = splitWhatsAppDelivery(body, ctx);
    const elapsed = performance.now() - started;
    assert.equal(parts.messages.length, count);
    assert.equal(parts.historyProgress[0]?.event.messageCount, count);
    assert.equal(parts.messages.filter((m) => m.event.isEcho).length, count / 2);
    // Generous for a loaded machine; a quadratic pass over 12k messages takes minutes.
    assert.ok(elapsed < 30_000, `took ${Math.round(elapsed)} ms`);
  });
});

describe("WhatsApp coexistence: smb_app_state_sync", () => {
  it("each entry is a ContactSyncReceived: add, edit (an add again), remove", () => {
    const parts = split("smb-app-state-sync.json");
    assert.deepEqual(parts.notes, []);
    assert.deepEqual(
      parts.contactSyncs.map(({ msgId, event }) => [
        msgId,
        event.action,
        event.phoneNumber,
        event.fullName,
        event.firstName,
        event.occurredAt?.seconds,
      ]),
      [
        [
          "5511987654321:add:1767230000",
          ContactSyncAction.ADD,
          "5511987654321",
          "Ana Souza",
          "Ana",
          1767230000n,
        ],
        [
          "5511987654321:add:1767230060",
          ContactSyncAction.ADD,
          "5511987654321",
          "Ana Souza (mesa 4)",
          "Ana",
          1767230060n,
        ],
        ["14155550123:remove:1767230120", ContactSyncAction.REMOVE, "14155550123", "", "", 1767230120n],
      ],
    );
    assert.equal(parts.contactSyncs[0]?.event.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.equal(parts.messages.length, 0, "never a message");
  });

  it("an entry that is not a contact, or has no number or action, is a note", () => {
    const parts = splitWhatsAppDelivery(
      waBody({
        field: "smb_app_state_sync",
        stateSync: [
          { type: "label", label: { name: "VIP" }, action: "add" },
          { type: "contact", contact: { full_name: "X" }, action: "add", metadata: { timestamp: "1" } },
          { type: "contact", contact: { phone_number: "5511" }, action: "merge" },
        ],
      }),
      ctx,
    );
    assert.equal(parts.contactSyncs.length, 0);
    assert.deepEqual(parts.notes, [
      'state_sync[0] not published: type "label" is not a contact',
      "state_sync[1] not published: without phone_number",
      'state_sync[2] not published: action "merge" is neither add nor remove',
    ]);
  });
});

describe("WhatsApp coexistence: edits and revokes", () => {
  it("type edit on messages: EDITED, the new content mapped as inbound, msgID per edit", () => {
    const parts = split("edit.json");
    assert.deepEqual(parts.notes, []);
    assert.equal(parts.messages.length, 0, "an edit is not a new message");
    const [edit] = parts.changes;
    const original = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDFBQUFBQUFBQUFBQUFBQUEA";
    assert.equal(edit?.msgId, `${original}:edit:wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkVESVQwMDAwMDAwMDAwMDEA`);
    assert.equal(edit.event.kind, MessageChangeKind.EDITED);
    assert.equal(edit.event.targetExternalMessageId, original);
    assert.equal(edit.event.externalChangeId, "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYEkVESVQwMDAwMDAwMDAwMDEA");
    const content = edit.event.message?.content;
    assert.equal(content?.case === "text" && content.value.body, "Oi! Vocês abrem no domingo à noite?");
    assert.equal(edit.event.isEcho, false);
    assert.equal(edit.event.contact?.displayName, "Ana Souza");
    assert.equal(edit.event.occurredAt?.seconds, 1767225700n);
    assert.equal(edit.event.meta?.actor?.kind, ActorKind.CONTACT);
  });

  it("type revoke: DELETED, no content, msgID <original>:deleted", () => {
    const [revoke] = split("revoke.json").changes;
    const original = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMDJCQkJCQkJCQkJCQkJCQkIA";
    assert.equal(revoke?.msgId, `${original}:deleted`);
    assert.equal(revoke.event.kind, MessageChangeKind.DELETED);
    assert.equal(revoke.event.message, undefined);
    assert.equal(revoke.event.targetExternalMessageId, original);
  });

  it("an echo of an edit: EDITED by the business, contact = the customer", () => {
    const parts = split("smb-echo-edit.json");
    assert.deepEqual(parts.notes, []);
    const [edit] = parts.changes;
    assert.equal(edit?.event.kind, MessageChangeKind.EDITED);
    assert.equal(edit.event.isEcho, true);
    assert.equal(edit.event.contact?.externalId, "5511987654321");
    assert.equal(edit.event.meta?.actor?.kind, ActorKind.BUSINESS_APP);
    assert.equal(
      edit.event.targetExternalMessageId,
      "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjNBRUNIT1RFWFQwMDAwMDAwMQA=",
    );
  });

  it("an echo of a revoke: DELETED by the business", () => {
    const parts = splitWhatsAppDelivery(
      waBody({
        field: "smb_message_echoes",
        echoes: [
          {
            from: "15550001111",
            to: "5511987654321",
            id: "wamid.ER1",
            timestamp: "1767230300",
            type: "revoke",
            revoke: { original_message_id: "wamid.ECHOED" },
          },
        ],
      }),
      ctx,
    );
    assert.deepEqual(parts.notes, []);
    const [revoke] = parts.changes;
    assert.equal(revoke?.msgId, "wamid.ECHOED:deleted");
    assert.equal(revoke.event.kind, MessageChangeKind.DELETED);
    assert.equal(revoke.event.isEcho, true);
    assert.equal(revoke.event.contact?.externalId, "5511987654321");
  });

  it("an edit or revoke without original_message_id is a note", () => {
    const parts = splitWhatsAppDelivery(
      waBody({
        messages: [
          { from: "5511987654321", id: "wamid.R1", timestamp: "1767225600", type: "revoke", revoke: {} },
          {
            from: "5511987654321",
            id: "wamid.E1",
            timestamp: "1767225600",
            type: "edit",
            edit: { original_message_id: "wamid.X" },
          },
        ],
      }),
      ctx,
    );
    assert.equal(parts.changes.length + parts.messages.length, 0);
    assert.deepEqual(parts.notes, [
      "message wamid.R1 not published: revoke without original_message_id",
      "message wamid.E1 not published: edit without message",
    ]);
  });
});
