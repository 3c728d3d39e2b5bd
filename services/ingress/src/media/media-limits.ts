import { MediaKind } from "@atendo/proto/common/v1";

/** The largest file kept per kind, in bytes (defaults: WhatsApp's own limits). */
export interface MediaLimits {
  audio: number;
  image: number;
  video: number;
  document: number;
  sticker: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  audio: 16 * 1024 * 1024,
  image: 5 * 1024 * 1024,
  video: 16 * 1024 * 1024,
  document: 100 * 1024 * 1024,
  sticker: 500 * 1024,
};

/** The limit of a kind and its name for messages; an unknown kind gets the document limit. */
export function limitOf(kind: MediaKind, limits: MediaLimits): { name: keyof MediaLimits; bytes: number } {
  const name: keyof MediaLimits =
    kind === MediaKind.AUDIO
      ? "audio"
      : kind === MediaKind.IMAGE
        ? "image"
        : kind === MediaKind.VIDEO
          ? "video"
          : kind === MediaKind.STICKER
            ? "sticker"
            : "document";
  return { name, bytes: limits[name] };
}
