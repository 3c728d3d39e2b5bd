import { type EntityManager, newId, pgText } from "@atendo/db";
import { MessageSchema } from "@atendo/proto/common/v1";
import { toBinary } from "@bufbuild/protobuf";
import { withMediaOutcome } from "../domain/media-state.js";
import { editedContent, isNewerVersion, type MessageChange, tombstone } from "../domain/message-change.js";
import { messageText } from "../domain/message-text.js";
import { decodeContent, type MessageVersionState } from "../domain/to-proto.js";
import { hasPendingTurn } from "../domain/turn-rules.js";
import type { ConversationRecord } from "./conversation-entity.js";
import type { MessageRecord } from "./message-entity.js";
import { MessageVersionEntity } from "./message-version-entity.js";
import { findUnanswered } from "./turn-queries.js";

export interface ChangeResult {
  changed: boolean;
  /** The public names of what changed (MessageUpdated.changed_fields). */
  fields: string[];
  /** A deletion took an unanswered question away from the turn. */
  unansweredRemoved: boolean;
}

const UNCHANGED: ChangeResult = { changed: false, fields: [], unansweredRemoved: false };

async function insertVersion(
  em: EntityManager,
  m: MessageRecord,
  v: { changeKey: string; editNumber: number; writtenAt: Date; content: Uint8Array },
): Promise<boolean> {
  const rows = await em.execute<Array<{ id: string }>>(
    `insert into conversation.message_versions
       (id, tenant_id, message_id, change_key, edit_number, written_at, content)
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (message_id, change_key) do nothing
     returning id`,
    [newId(), m.tenantId, m.id, v.changeKey, v.editNumber, v.writtenAt, Buffer.from(v.content)],
    "all",
  );
  return rows.length > 0;
}

/** When the original content was written: the channel's time of the message. */
const originalTime = (m: MessageRecord) => m.sentAt ?? m.sortAt;

/**
 * Applies one change to a stored (and flushed) message row, in the caller's transaction. Every edit
 * is kept as a version (the original too, on the first edit) and the newest is shown; a deletion
 * replaces the content with a tombstone and drops the versions (the sender took the content back);
 * media outcomes are recorded on the MediaRef. Repeating a change changes nothing.
 */
export async function applyChange(
  em: EntityManager,
  m: MessageRecord,
  change: MessageChange,
): Promise<ChangeResult> {
  if (m.deletedAt !== null) return UNCHANGED;
  switch (change.kind) {
    case "edit": {
      if (m.editCount === 0) {
        await insertVersion(em, m, {
          changeKey: "original",
          editNumber: 0,
          writtenAt: originalTime(m),
          content: m.content,
        });
      }
      const next = editedContent(decodeContent(m.content), change.content);
      const bytes = toBinary(MessageSchema, next);
      const added = await insertVersion(em, m, { ...change, content: bytes });
      if (!added) return UNCHANGED;
      m.editCount += 1;
      const shown = { editNumber: m.editNumber, writtenAt: m.editedAt ?? originalTime(m) };
      if (isNewerVersion(change, shown)) {
        m.content = bytes;
        m.text = pgText(messageText(next));
        m.editedAt = change.writtenAt;
        m.editNumber = change.editNumber;
      }
      return { changed: true, fields: ["content"], unansweredRemoved: false };
    }
    case "delete": {
      const unanswered = m.direction === "INBOUND" && m.answerable && m.answeredAt === null;
      m.deletedAt = change.at;
      m.content = toBinary(MessageSchema, tombstone());
      m.text = "";
      m.raw = "";
      m.answerable = false;
      await em.nativeDelete(MessageVersionEntity, { messageId: m.id });
      return { changed: true, fields: ["deleted"], unansweredRemoved: unanswered };
    }
    case "media": {
      const next = withMediaOutcome(decodeContent(m.content), change.outcome);
      if (next === undefined) return UNCHANGED;
      m.content = toBinary(MessageSchema, next);
      return { changed: true, fields: ["media"], unansweredRemoved: false };
    }
  }
}

/** Earlier contents of the messages (every version but the one each row shows), oldest first. */
export async function previousVersionsOf(
  em: EntityManager,
  messages: readonly MessageRecord[],
): Promise<Map<string, MessageVersionState[]>> {
  const edited = messages.filter((m) => m.editCount > 0 && m.deletedAt === null);
  const out = new Map<string, MessageVersionState[]>();
  if (edited.length === 0) return out;
  const rows = await em.find(MessageVersionEntity, { messageId: { $in: edited.map((m) => m.id) } });
  for (const m of edited) {
    const versions = rows
      .filter((v) => v.messageId === m.id)
      .sort((a, b) => (isNewerVersion(a, b) ? 1 : isNewerVersion(b, a) ? -1 : 0));
    // The newest is what the row shows.
    out.set(m.id, versions.slice(0, -1));
  }
  return out;
}

/**
 * A deletion took an unanswered question out of a pending turn: the epoch moves on, so a reply
 * already being generated for it is dropped. Returns whether other questions remain (the buffer is
 * armed again for them); without any, the turn is over and the sweep leaves it alone.
 */
export async function withdrawFromTurn(
  em: EntityManager,
  conversation: ConversationRecord,
): Promise<boolean> {
  if (!hasPendingTurn(conversation)) return false;
  await em.flush();
  const remaining = await findUnanswered(em, conversation.id);
  conversation.turnEpoch += 1;
  conversation.turnEventId = newId();
  if (remaining.length > 0) return true;
  conversation.flushedEpoch = conversation.turnEpoch;
  return false;
}
