import type { MessageStatusName } from "./enums.js";

const RANK: Record<Exclude<MessageStatusName, "FAILED">, number> = {
  PENDING: 1,
  SENT: 2,
  DELIVERED: 3,
  READ: 4,
  PLAYED: 5,
};

/**
 * The status after a report: statuses only move forward (PENDING < SENT < DELIVERED < READ <
 * PLAYED) and FAILED is terminal, because channel reports arrive late and out of order. Returns the
 * current status when the report changes nothing.
 */
export function advanceStatus(
  current: MessageStatusName | null,
  reported: MessageStatusName,
): MessageStatusName | null {
  if (current === "FAILED") return current;
  if (reported === "FAILED") return reported;
  if (current === null) return reported;
  return RANK[reported] > RANK[current] ? reported : current;
}
