import { randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const PREFIX_CHARS = 12;
// 43 characters of 62 symbols: over 256 bits.
const SECRET_CHARS = 43;
export const API_KEY_LEAD = "atd_live_";
const SHAPE = /^atd_live_([A-Za-z0-9]{12})_([A-Za-z0-9]{43})$/;

function randomString(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** A new key `atd_live_<prefix>_<secret>`: the prefix is public (lists, lookups), the rest is not. */
export function newApiKey(): { key: string; prefix: string } {
  const prefix = randomString(PREFIX_CHARS);
  return { key: `${API_KEY_LEAD}${prefix}_${randomString(SECRET_CHARS)}`, prefix };
}

/** The prefix of a well-formed key, or undefined for anything else. */
export function apiKeyPrefix(key: string): string | undefined {
  return SHAPE.exec(key)?.[1];
}
