import type { MediaRef } from "@atendo/proto/common/v1";
import { graphUrl } from "@atendo/service-kit";
import type { GraphAccess } from "../domain/resolved-channel.js";
import { MediaFetchFailure } from "./media-failure.js";
import { httpFailure, type MediaGet } from "./media-http.js";
import type { FetchedMedia, FetchRequest } from "./media-source.js";

interface MediaInfo {
  url: string;
  mimeType: string;
  sha256: string;
  fileSize: number | undefined;
}

const INFO_BYTES = 64 * 1024;

/**
 * WhatsApp's two steps: `GET {graph}/{version}/{media_id}` with the channel's token gives a URL
 * that lives 5 minutes, then `GET url` with the same token. A URL found expired (404) is asked for
 * again once.
 */
export function createWhatsAppMediaSource(get: MediaGet) {
  async function info(access: GraphAccess, mediaId: string, req: FetchRequest): Promise<MediaInfo> {
    const res = await get(graphUrl(access.graphApiBaseUrl, access.graphApiVersion, mediaId), {
      bearer: access.accessToken,
      maxBytes: INFO_BYTES,
      signal: req.signal,
    });
    if (res.status !== 200) throw httpFailure("the Graph API refused the media id", res);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new MediaFetchFailure("the Graph API answered the media id with something other than JSON", true);
    }
    if (typeof json.url !== "string" || json.url === "") {
      throw new MediaFetchFailure("the Graph API gave no URL for the media", false);
    }
    const size = Number(json.file_size);
    return {
      url: json.url,
      mimeType: typeof json.mime_type === "string" ? json.mime_type : "",
      sha256: typeof json.sha256 === "string" ? json.sha256 : "",
      fileSize: Number.isFinite(size) && size > 0 ? size : undefined,
    };
  }

  return async function fetchWhatsApp(
    access: GraphAccess,
    ref: MediaRef,
    req: FetchRequest,
  ): Promise<FetchedMedia> {
    const download = (url: string) =>
      get(url, { bearer: access.accessToken, maxBytes: req.maxBytes, signal: req.signal });
    if (ref.channelMediaId === "") {
      // Only a URL (newer webhooks): it is fetched with the token like the one the Graph API gives.
      const res = await download(ref.url);
      if (res.status !== 200) throw httpFailure("the media URL refused the download", res);
      return { bytes: res.body, mimeType: ref.mimeType, checksums: [ref.sha256] };
    }
    for (let attempt = 0; ; attempt++) {
      const found = await info(access, ref.channelMediaId, req);
      if (found.fileSize !== undefined && found.fileSize > req.maxBytes) req.tooLarge();
      const res = await download(found.url);
      if (res.status === 404 && attempt === 0) continue;
      if (res.status === 404)
        throw new MediaFetchFailure("the media URL expired again right after it was issued", true);
      if (res.status !== 200) throw httpFailure("the media URL refused the download", res);
      return {
        bytes: res.body,
        mimeType: found.mimeType || ref.mimeType,
        checksums: [ref.sha256, found.sha256],
      };
    }
  };
}
