import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing signature" | "bad signature" };

const HEADER_RE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>` over the bytes exactly
 * as received (docs/meta-wire-format.md, rule 1), comparing in constant time. The SHA-1
 * `X-Hub-Signature` is ignored.
 */
export function verifyMetaSignature(
  appSecret: string,
  body: Uint8Array,
  header: string | undefined,
): SignatureCheck {
  if (header === undefined || header.trim() === "") return { ok: false, reason: "missing signature" };
  const match = HEADER_RE.exec(header.trim());
  const expected = createHmac("sha256", appSecret).update(body).digest();
  // A malformed header is still compared (against zeros) so its handling costs the same time.
  const given = match?.[1] === undefined ? Buffer.alloc(32) : Buffer.from(match[1], "hex");
  const equal = timingSafeEqual(expected, given);
  return equal && match !== null ? { ok: true } : { ok: false, reason: "bad signature" };
}

/** Constant-time equality of two secrets of any length (the verify token of the handshake). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
