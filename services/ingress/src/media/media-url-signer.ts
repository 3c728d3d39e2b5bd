import { createHmac, timingSafeEqual } from "node:crypto";

export interface SignedMediaUrl {
  url: string;
  expiresAt: Date;
}

export type MediaUrlCheck = { ok: true; tenantId: string } | { ok: false; why: "expired" | "forged" };

export interface MediaUrlSigner {
  /** A download URL of the tenant's media that works for the configured time. */
  sign(tenantId: string, mediaId: string): SignedMediaUrl;
  /** Whether the query of `/media/{mediaId}` was signed by us and has not expired. */
  check(mediaId: string, query: URLSearchParams): MediaUrlCheck;
}

export interface MediaUrlSignerOptions {
  key: string;
  ttlSeconds: number;
  /** The public base (the edge), without a trailing slash. */
  baseUrl: string;
  now?: () => number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Signed media URLs: HMAC-SHA256 under MEDIA_URL_KEY over the tenant, the media id and the expiry,
 * so none of them can be changed (another tenant, another file, a later time) without the key.
 * The URL is a bearer credential until it expires: keep the lifetime short.
 */
export function createMediaUrlSigner(options: MediaUrlSignerOptions): MediaUrlSigner {
  const now = options.now ?? Date.now;
  const mac = (tenantId: string, mediaId: string, expires: string) =>
    createHmac("sha256", options.key).update(`media.v1\n${tenantId}\n${mediaId}\n${expires}`).digest();

  return {
    sign(tenantId, mediaId) {
      const expiresAt = Math.floor(now() / 1000) + options.ttlSeconds;
      const expires = String(expiresAt);
      const query = new URLSearchParams({
        tenant: tenantId,
        expires,
        signature: mac(tenantId, mediaId, expires).toString("base64url"),
      });
      return {
        url: `${options.baseUrl}/media/${encodeURIComponent(mediaId)}?${query}`,
        expiresAt: new Date(expiresAt * 1000),
      };
    },
    check(mediaId, query) {
      const tenantId = query.get("tenant") ?? "";
      const expires = query.get("expires") ?? "";
      const given = Buffer.from(query.get("signature") ?? "", "base64url");
      if (!UUID.test(tenantId) || !UUID.test(mediaId) || !/^\d{1,12}$/.test(expires)) {
        return { ok: false, why: "forged" };
      }
      const expected = mac(tenantId, mediaId, expires);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, why: "forged" };
      }
      if (Number(expires) * 1000 <= now()) return { ok: false, why: "expired" };
      return { ok: true, tenantId };
    },
  };
}
