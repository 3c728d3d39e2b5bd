import { type Message, MessageSchema, UnsupportedContentSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";
import type { MediaOutcome } from "./media-state.js";

/** What the channel said happened to a stored message after it was stored. */
export type MessageChange =
  | {
      kind: "edit";
      /** The edit's identity, so a redelivered edit is applied once. */
      changeKey: string;
      /** The channel's edit counter (0 when it gives none). */
      editNumber: number;
      writtenAt: Date;
      content: Message;
    }
  | { kind: "delete"; changeKey: "deleted"; at: Date }
  | { kind: "media"; changeKey: string; outcome: MediaOutcome };

/** The identity of an edit: the channel's id of it, else its counter, else its time. */
export function editKey(externalChangeId: string, editNumber: number, writtenAt: Date): string {
  if (externalChangeId !== "") return `edit:${externalChangeId}`;
  if (editNumber > 0) return `edit:#${editNumber}`;
  return `edit:@${writtenAt.getTime()}`;
}

/** The identity of a media outcome (a FAILED followed by a STORED is two changes). */
export const mediaKey = (o: MediaOutcome) => `media:${o.state}:${o.mediaId}`;

/**
 * Whether an edit is newer than the version a message shows: the channel's counter first (Instagram
 * numbers its edits), then the time. Edits arrive in any order; the newest is shown.
 */
export function isNewerVersion(
  a: { editNumber: number; writtenAt: Date },
  b: { editNumber: number; writtenAt: Date },
): boolean {
  if (a.editNumber !== b.editNumber) return a.editNumber > b.editNumber;
  return a.writtenAt.getTime() > b.writtenAt.getTime();
}

/** The original message with the edit's content (quote and referral stay; an interpretation goes). */
export function editedContent(original: Message, edit: Message): Message {
  return create(MessageSchema, {
    content: edit.content,
    context: original.context,
    referral: original.referral,
  });
}

/** What a deleted message shows: the fact, no content. */
export function tombstone(): Message {
  return create(MessageSchema, {
    content: { case: "unsupported", value: create(UnsupportedContentSchema, { originalType: "deleted" }) },
  });
}
