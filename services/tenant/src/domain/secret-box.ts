import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KeyRing } from "./key-ring.js";

/** Ciphertext as stored: the id of the key that sealed it, and version | iv | tag | data. */
export interface Sealed {
  keyId: string;
  ciphertext: Uint8Array;
}

export interface SecretBox {
  /** Encrypts with the active key. `context` is bound as AAD: the ciphertext only opens with it. */
  seal(plaintext: string, context: string): { keyId: string; ciphertext: Buffer };
  /** Decrypts with the key the ciphertext names; throws when it was tampered with or moved. */
  open(sealed: Sealed, context: string): string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** AES-256-GCM over a key ring (node:crypto). */
export function createSecretBox(ring: KeyRing): SecretBox {
  return {
    seal(plaintext, context) {
      const keyId = ring.activeKeyId;
      const key = ring.key(keyId);
      if (key === undefined) throw new Error(`active key "${keyId}" is missing from the key ring`);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const ciphertext = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), data]);
      return { keyId, ciphertext };
    },
    open(sealed, context) {
      const key = ring.key(sealed.keyId);
      if (key === undefined) {
        throw new Error(`secrets were sealed with key "${sealed.keyId}", which the key ring does not hold`);
      }
      const ciphertext = Buffer.from(
        sealed.ciphertext.buffer,
        sealed.ciphertext.byteOffset,
        sealed.ciphertext.byteLength,
      );
      if (ciphertext.length < HEADER_BYTES || ciphertext[0] !== VERSION) {
        throw new Error("sealed secrets have an unknown format");
      }
      const iv = ciphertext.subarray(1, 1 + IV_BYTES);
      const tag = ciphertext.subarray(1 + IV_BYTES, HEADER_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext.subarray(HEADER_BYTES)), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        throw new Error(`sealed secrets do not authenticate with key "${sealed.keyId}"`);
      }
    },
  };
}
