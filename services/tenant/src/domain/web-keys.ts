import { randomBytes, randomInt } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SITE_KEY_CHARS = 32;

/** A public widget key, "pk_" + 32 letters or digits (the contract's pattern is pk_[A-Za-z0-9]{16,64}). */
export function newSiteKey(): string {
  let key = "pk_";
  for (let i = 0; i < SITE_KEY_CHARS; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/** The HMAC key tenants use to sign their users' ids for identity verification (256 bits). */
export function newIdentitySecret(): string {
  return `wis_${randomBytes(32).toString("base64url")}`;
}
