const KEY_BYTES = 32;

/** CHANNEL_CACHE_KEY: base64 (or base64url) of exactly 32 bytes. Errors never repeat the value. */
export function parseChannelCacheKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new Error("expected base64 of 32 bytes");
  const key = Buffer.from(trimmed, trimmed.includes("-") || trimmed.includes("_") ? "base64url" : "base64");
  if (key.length !== KEY_BYTES) throw new Error(`expected base64 of 32 bytes, got ${key.length} bytes`);
  return key;
}
