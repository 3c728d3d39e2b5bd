import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM over the channel lookups cached in Redis: they carry decrypted channel secrets, which
 * must not sit in Redis as plaintext. The channel id is bound as AAD, so an entry copied under
 * another channel's key does not open.
 */
export interface ChannelSeal {
  seal(channelId: string, plaintext: Uint8Array): Buffer;
  /** The plaintext, or undefined when the blob does not authenticate (another key, tampered, moved). */
  open(channelId: string, sealed: Uint8Array): Uint8Array | undefined;
}

// version | iv | tag | ciphertext
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

const aad = (channelId: string) => Buffer.from(`atendo.ingress.channel:${channelId}`, "utf8");

export function createChannelSeal(key: Uint8Array): ChannelSeal {
  if (key.length !== 32) throw new RangeError("the channel cache key must be 32 bytes");
  return {
    seal(channelId, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(channelId));
      const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), data]);
    },
    open(channelId, sealed) {
      const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (blob.length < HEADER_BYTES || blob[0] !== VERSION) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", key, blob.subarray(1, 1 + IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(channelId));
      decipher.setAuthTag(blob.subarray(1 + IV_BYTES, HEADER_BYTES));
      try {
        return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
      } catch {
        return undefined;
      }
    },
  };
}
