import { createHash } from "node:crypto";

/**
 * Atendo's id of the media of one message, derived from (channel, message): a retried fetch writes
 * the same object again instead of leaving an orphan, whichever replica does it. A UUID of version
 * 8 (custom) so it validates wherever a media id is a UUID.
 */
export function mediaIdOf(channelId: string, externalMessageId: string): string {
  const h = createHash("sha256").update(`media:${channelId}:${externalMessageId}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
