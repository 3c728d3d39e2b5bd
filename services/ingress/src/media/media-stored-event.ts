import { newEventMeta } from "@atendo/bus";
import { ActorKind, ActorSchema, MediaState } from "@atendo/proto/common/v1";
import { type MediaStored, MediaStoredSchema } from "@atendo/proto/ingress/v1";
import { create } from "@bufbuild/protobuf";
import type { MediaRecord } from "./media-records.js";

/** The msgID the contract gives MediaStored: one per message, so a republish is a duplicate. */
export const mediaStoredMsgId = (r: Pick<MediaRecord, "channelId" | "externalMessageId">) =>
  `media:${r.channelId}:${r.externalMessageId}`;

/** MediaStored for a settled record; correlated with the webhook delivery of the message. */
export function mediaStoredEvent(r: Omit<MediaRecord, "createdAt">, correlationId: string): MediaStored {
  const stored = r.state === "stored";
  return create(MediaStoredSchema, {
    meta: newEventMeta({
      tenantId: r.tenantId,
      workspaceId: r.workspaceId,
      correlationId,
      actor: create(ActorSchema, { kind: ActorKind.SYSTEM }),
    }),
    channelId: r.channelId,
    channelType: r.channelType,
    externalMessageId: r.externalMessageId,
    state: stored ? MediaState.STORED : MediaState.FAILED,
    mediaId: stored ? r.id : "",
    mimeType: stored ? r.mimeType : "",
    sizeBytes: stored ? BigInt(r.sizeBytes) : 0n,
    sha256: stored ? r.sha256 : "",
    failureReason: stored ? "" : r.failureReason,
  });
}
