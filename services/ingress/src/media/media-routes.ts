import type { EventEmitter } from "node:events";
import { once } from "node:events";
import type { MediaStore } from "@atendo/media";
import { type HttpHook, pathOf, sendText } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { MediaUrlSigner } from "./media-url-signer.js";

const MEDIA_PATH = /^\/media\/([^/]+)$/;

export interface MediaRoutesDeps {
  mediaStore: MediaStore;
  mediaUrls: MediaUrlSigner;
  logger: Logger;
}

/**
 * `GET /media/{media_id}?tenant=&expires=&signature=`: the bytes of a stored file for whoever holds
 * a URL GetMedia signed, until it expires (403 then, and for any change to it). The bytes are served
 * as an attachment that browsers may not interpret as a page (no sniffing, sandboxed).
 */
export function createMediaRoutes(deps: MediaRoutesDeps): HttpHook {
  return async (req, res) => {
    const match = MEDIA_PATH.exec(pathOf(req));
    if (match?.[1] === undefined) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendText(res, 405, "method not allowed");
      return true;
    }
    const mediaId = match[1].toLowerCase();
    const query = new URL(req.url ?? "/", "http://ingress.local").searchParams;
    const check = deps.mediaUrls.check(mediaId, query);
    if (!check.ok) {
      sendText(
        res,
        403,
        check.why === "expired" ? "this media URL has expired" : "invalid media URL signature",
      );
      return true;
    }
    const found = await deps.mediaStore.get({ tenantId: check.tenantId, mediaId });
    if (found === undefined) {
      sendText(res, 404, "media not found");
      return true;
    }
    const { metadata, body } = found;
    res.writeHead(200, {
      "content-type": metadata.mimeType,
      "content-length": String(metadata.sizeBytes),
      "content-disposition": "attachment",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "private, max-age=60",
      etag: `"${metadata.sha256}"`,
    });
    if (req.method === "HEAD") {
      body.destroy();
      res.end();
      return true;
    }
    try {
      for await (const chunk of body) {
        if (!res.write(chunk as Buffer)) await once(res as unknown as EventEmitter, "drain");
      }
      res.end();
    } catch (err) {
      deps.logger.warn({ err, media_id: mediaId }, "media download interrupted");
      body.destroy();
      res.destroy();
    }
    return true;
  };
}
