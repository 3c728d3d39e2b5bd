import { ChannelType, type MediaContent } from "@atendo/proto/common/v1";
import { ResponseTooLarge } from "@atendo/service-kit";
import type { ResolvedChannel } from "../domain/resolved-channel.js";
import { createInstagramMediaSource } from "./instagram-media-source.js";
import { checksumMatches, sha256Hex } from "./media-checksum.js";
import { MediaFetchFailure, tooLarge } from "./media-failure.js";
import type { MediaGet } from "./media-http.js";
import { limitOf, type MediaLimits } from "./media-limits.js";
import type { FetchedMedia, FetchRequest } from "./media-source.js";
import { createWhatsAppMediaSource } from "./whatsapp-media-source.js";

/** Checked bytes, ready to store. */
export interface MediaFile {
  bytes: Buffer;
  mimeType: string;
  sizeBytes: number;
  /** Lowercase hex. */
  sha256: string;
}

export interface MediaFetcher {
  /** The file, or a MediaFetchFailure saying why not and whether trying again may help. */
  fetch(channel: ResolvedChannel, media: MediaContent, signal: AbortSignal): Promise<MediaFile>;
}

/** Fetches a message's media from its channel, within the kind's size limit, checksum checked. */
export function createMediaFetcher(deps: { get: MediaGet; limits: MediaLimits }): MediaFetcher {
  const whatsapp = createWhatsAppMediaSource(deps.get);
  const instagram = createInstagramMediaSource(deps.get);
  return {
    async fetch(channel, media, signal) {
      const ref = media.media;
      if (ref === undefined) throw new MediaFetchFailure("the message names no media", false);
      const limit = limitOf(media.kind, deps.limits);
      const req: FetchRequest = {
        maxBytes: limit.bytes,
        signal,
        tooLarge: () => {
          throw tooLarge(limit.name, limit.bytes);
        },
      };
      if (ref.sizeBytes > limit.bytes) req.tooLarge();
      let fetched: FetchedMedia;
      try {
        if (channel.type === ChannelType.WHATSAPP && channel.whatsapp !== undefined) {
          fetched = await whatsapp(channel.whatsapp, ref, req);
        } else if (channel.type === ChannelType.INSTAGRAM) {
          fetched = await instagram(ref, req);
        } else {
          throw new MediaFetchFailure("this channel type has no media to fetch", false);
        }
      } catch (err) {
        if (err instanceof ResponseTooLarge) req.tooLarge();
        throw err;
      }
      const sha256 = sha256Hex(fetched.bytes);
      for (const given of fetched.checksums) {
        if (given !== "" && !checksumMatches(given, sha256)) {
          throw new MediaFetchFailure(
            "checksum mismatch: the bytes are not the file the channel described",
            false,
          );
        }
      }
      return {
        bytes: fetched.bytes,
        mimeType: fetched.mimeType || "application/octet-stream",
        sizeBytes: fetched.bytes.length,
        sha256,
      };
    },
  };
}
