import { MediaState } from "@atendo/proto/common/v1";
import {
  type MediaStored,
  MediaStoredSchema,
  MessageChangeKind,
  type MessageChangeReceived,
  MessageChangeReceivedSchema,
} from "@atendo/proto/ingress/v1";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { editKey, type MessageChange, mediaKey } from "./message-change.js";

/**
 * The change an ingress event describes; a string naming what is wrong when the event cannot be
 * applied (the consumer dead-letters it).
 */
export function changeOfEvent(event: MessageChangeReceived, receivedAt: Date): MessageChange | string {
  const at = event.occurredAt ? timestampDate(event.occurredAt) : receivedAt;
  if (event.kind === MessageChangeKind.DELETED) return { kind: "delete", changeKey: "deleted", at };
  if (event.kind !== MessageChangeKind.EDITED) return "kind must be EDITED or DELETED";
  const content = event.message;
  if (content?.content.case === undefined) return "message content is required for an edit";
  const editNumber = Math.max(0, event.editNumber);
  return {
    kind: "edit",
    changeKey: editKey(event.externalChangeId, editNumber, at),
    editNumber,
    writtenAt: at,
    content,
  };
}

export function changeOfMedia(event: MediaStored): MessageChange | string {
  const state = event.state;
  if (state !== MediaState.STORED && state !== MediaState.FAILED) return "state must be STORED or FAILED";
  if (state === MediaState.STORED && event.mediaId === "") return "media_id is required when STORED";
  const outcome = {
    state,
    mediaId: event.mediaId,
    mimeType: event.mimeType,
    sizeBytes: Number(event.sizeBytes),
    failureReason: event.failureReason,
  };
  return { kind: "media", changeKey: mediaKey(outcome), outcome };
}

/** An early change kept as event bytes: media outcomes under "media:" keys, else a message change. */
export function decodeEarlyChange(
  changeKey: string,
  bytes: Uint8Array,
  keptAt: Date,
): MessageChange | string {
  return changeKey.startsWith("media:")
    ? changeOfMedia(fromBinary(MediaStoredSchema, bytes))
    : changeOfEvent(fromBinary(MessageChangeReceivedSchema, bytes), keptAt);
}
