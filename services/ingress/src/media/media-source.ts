/** What a channel's media source is asked for. */
export interface FetchRequest {
  /** The limit of the media's kind: larger is a final failure. */
  maxBytes: number;
  signal: AbortSignal;
  /** Throws the kind's "too large" failure (a declared size over the limit). */
  tooLarge(): never;
}

/** The bytes a source fetched, before they are checked. */
export interface FetchedMedia {
  bytes: Buffer;
  mimeType: string;
  /** Checksums the channel gave (SHA-256, hex or base64); empty strings are ignored. */
  checksums: string[];
}
