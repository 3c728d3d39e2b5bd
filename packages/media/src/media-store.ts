import type { Readable } from "node:stream";

/** Which file: media ids are unique per tenant, and every adapter keeps tenants apart. */
export interface MediaKey {
  tenantId: string;
  mediaId: string;
}

/** What is known of the stored bytes. */
export interface MediaMetadata {
  mimeType: string;
  sizeBytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256: string;
}

export interface StoredMedia {
  metadata: MediaMetadata;
  /** The bytes, read as the caller consumes them. */
  body: Readable;
}

/**
 * Where media bytes live. Keys are deterministic for the caller (a retried put writes the same
 * object again instead of leaving an orphan), so `put` replaces and never fails on an existing key.
 */
export interface MediaStore {
  readonly kind: "postgres" | "s3";
  put(key: MediaKey, bytes: Uint8Array, metadata: MediaMetadata): Promise<void>;
  /** The object, or undefined when the tenant has none under this id. */
  get(key: MediaKey): Promise<StoredMedia | undefined>;
  head(key: MediaKey): Promise<MediaMetadata | undefined>;
  /** Removes the object; nothing happens when there is none. */
  delete(key: MediaKey): Promise<void>;
}
