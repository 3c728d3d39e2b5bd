import type { MediaRef } from "@atendo/proto/common/v1";
import { MediaFetchFailure } from "./media-failure.js";
import { httpFailure, type MediaGet } from "./media-http.js";
import type { FetchedMedia, FetchRequest } from "./media-source.js";

/**
 * Instagram attachments: the webhook's CDN URL, fetched without a token. It expires (hours): an
 * expired one cannot be renewed, so 403/404/410 are final.
 */
export function createInstagramMediaSource(get: MediaGet) {
  return async function fetchInstagram(ref: MediaRef, req: FetchRequest): Promise<FetchedMedia> {
    if (ref.url === "") throw new MediaFetchFailure("the attachment has no URL", false);
    const res = await get(ref.url, { maxBytes: req.maxBytes, signal: req.signal });
    if (res.status !== 200) {
      const expired = res.status === 403 || res.status === 404 || res.status === 410;
      throw expired
        ? new MediaFetchFailure(`the attachment URL expired or was refused (HTTP ${res.status})`, false)
        : httpFailure("the attachment URL refused the download", res);
    }
    const type = res.headers["content-type"];
    return {
      bytes: res.body,
      mimeType: ref.mimeType || (typeof type === "string" ? type : ""),
      checksums: [],
    };
  };
}
