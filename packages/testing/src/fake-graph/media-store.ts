import { createHash, randomBytes } from "node:crypto";
import type { MediaRegistration, RegisteredMedia } from "./types.js";

interface StoredMedia extends RegisteredMedia {
  bytes: Buffer;
}

interface IssuedUrl {
  mediaId: string;
  expiresAt: number;
}

export const MEDIA_DOWNLOAD_PATH = "/whatsapp_business/attachments/";

export interface MediaStore {
  register(media: MediaRegistration): RegisteredMedia;
  get(id: string): StoredMedia | undefined;
  /** A fresh download URL for the media, valid for the store's TTL (like lookaside.fbsbx.com). */
  issueUrl(baseUrl: string, id: string): string;
  /** The media a download URL points at: "missing" for an unknown URL, "expired" past its TTL. */
  resolve(url: URL): StoredMedia | "missing" | "expired";
  expireAll(): void;
}

export function createMediaStore(urlTtlMs: number): MediaStore {
  const media = new Map<string, StoredMedia>();
  const urls = new Map<string, IssuedUrl>();
  return {
    register({ id, bytes, mimeType, declaredSha256 }) {
      if (id.trim() === "") throw new Error("media id must not be empty");
      if (mimeType.trim() === "") throw new Error("media mimeType must not be empty");
      const data = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
      const stored: StoredMedia = {
        id,
        mimeType,
        bytes: data,
        sha256: declaredSha256 ?? createHash("sha256").update(data).digest("hex"),
        fileSize: data.length,
      };
      media.set(id, stored);
      return { id, mimeType, sha256: stored.sha256, fileSize: stored.fileSize };
    },
    get(id) {
      return media.get(id);
    },
    issueUrl(baseUrl, id) {
      const hash = randomBytes(16).toString("base64url");
      const expiresAt = Date.now() + urlTtlMs;
      urls.set(hash, { mediaId: id, expiresAt });
      const url = new URL(MEDIA_DOWNLOAD_PATH, baseUrl);
      url.searchParams.set("mid", id);
      url.searchParams.set("ext", String(Math.floor(expiresAt / 1000)));
      url.searchParams.set("hash", hash);
      return url.toString();
    },
    resolve(url) {
      const issued = urls.get(url.searchParams.get("hash") ?? "");
      if (issued === undefined || issued.mediaId !== url.searchParams.get("mid")) return "missing";
      if (Date.now() >= issued.expiresAt) return "expired";
      return media.get(issued.mediaId) ?? "missing";
    },
    expireAll() {
      for (const issued of urls.values()) issued.expiresAt = 0;
    },
  };
}
