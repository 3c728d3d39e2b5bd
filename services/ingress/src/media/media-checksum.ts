import { createHash } from "node:crypto";

const HEX = /^[0-9a-f]{64}$/i;

/** SHA-256 of the bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Whether a checksum the channel gave matches: WhatsApp webhooks give base64, the media endpoint
 * may give hex; both are read.
 */
export function checksumMatches(given: string, actualHex: string): boolean {
  const trimmed = given.trim();
  if (HEX.test(trimmed)) return trimmed.toLowerCase() === actualHex;
  return Buffer.from(trimmed, "base64").toString("hex") === actualHex;
}
