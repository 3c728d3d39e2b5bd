import { MediaRefSchema, MediaState, type Message, MessageSchema } from "@atendo/proto/common/v1";
import { create } from "@bufbuild/protobuf";

/** What ingress reported about the media file of a message (MediaStored). */
export interface MediaOutcome {
  state: MediaState.STORED | MediaState.FAILED;
  mediaId: string;
  mimeType: string;
  sizeBytes: number;
  failureReason: string;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * The content with the outcome recorded on its MediaRef; undefined when nothing changes (not media,
 * the same outcome again, or a FAILED after the file was already STORED: a stored copy stays).
 */
export function withMediaOutcome(content: Message, outcome: MediaOutcome): Message | undefined {
  if (content.content.case !== "media") return undefined;
  const ref = content.content.value.media ?? create(MediaRefSchema);
  if (ref.state === MediaState.STORED && outcome.state === MediaState.FAILED) return undefined;
  if (ref.state === outcome.state && ref.mediaId === outcome.mediaId) return undefined;
  const next = create(MessageSchema, content);
  const media = create(MediaRefSchema, {
    ...ref,
    state: outcome.state,
    mediaId: outcome.state === MediaState.STORED ? outcome.mediaId : "",
    failureReason: outcome.state === MediaState.FAILED ? outcome.failureReason.slice(0, 500) : "",
  });
  if (outcome.state === MediaState.STORED) {
    if (outcome.mimeType !== "") media.mimeType = outcome.mimeType;
    if (outcome.sizeBytes > 0 && outcome.sizeBytes <= INT32_MAX) media.sizeBytes = outcome.sizeBytes;
  }
  next.content = { case: "media", value: { ...content.content.value, media } };
  return next;
}

/** Whether the message's media file is still being fetched by ingress. */
export function hasPendingMedia(content: Message): boolean {
  return content.content.case === "media" && content.content.value.media?.state === MediaState.PENDING;
}

/**
 * Until when a turn waits for media still being fetched: `maxWaitMs` after the oldest such message
 * arrived; undefined when none is pending or that time has passed (the turn goes anyway).
 */
export function mediaWaitDeadline(
  messages: ReadonlyArray<{ content: Message; createdAt: Date }>,
  maxWaitMs: number,
  now: number,
): number | undefined {
  const pending = messages.filter((m) => hasPendingMedia(m.content)).map((m) => m.createdAt.getTime());
  if (pending.length === 0) return undefined;
  const deadline = Math.min(...pending) + maxWaitMs;
  return deadline > now ? deadline : undefined;
}
