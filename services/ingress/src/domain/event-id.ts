import { hash } from "node:crypto";

/**
 * The event id of a fact the channel identifies itself (a message by its wamid, a status by
 * (wamid, status)) on one channel: a UUIDv7 whose time is the fact's own time and whose other bits
 * come from a hash of (channel, key). Every delivery of the same fact (Meta's retries, the sweeper,
 * a replay) gets the same event id, so consumers' inboxes recognise it even after JetStream's
 * duplicate window has passed.
 */
export function derivedEventId(timeMs: number, channelId: string, key: string): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs >= 2 ** 48) {
    throw new RangeError("derivedEventId needs a time in milliseconds since 1970 that fits 48 bits");
  }
  // One-shot hashing: every event of every webhook comes here (a Hash object each cost more).
  const h = hash("sha256", `${channelId}\n${key}`, "buffer");
  const b = Buffer.alloc(16);
  b.writeUIntBE(timeMs, 0, 6); // 48-bit millisecond timestamp
  h.copy(b, 6, 0, 10);
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f); // RFC 4122 variant
  const s = b.toString("hex");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
