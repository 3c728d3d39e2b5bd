import { createHash, randomBytes } from "node:crypto";

/**
 * A bearer secret that is only ever stored as its SHA-256 (refresh tokens, invitation tokens):
 * 256 random bits, so a plain hash is enough (no dictionary to attack).
 */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
