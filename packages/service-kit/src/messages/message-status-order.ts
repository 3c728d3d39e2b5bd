import { MessageStatus } from "@atendo/proto/common/v1";

const RANK: Partial<Record<MessageStatus, number>> = {
  [MessageStatus.PENDING]: 1,
  [MessageStatus.SENT]: 2,
  [MessageStatus.DELIVERED]: 3,
  [MessageStatus.READ]: 4,
  [MessageStatus.PLAYED]: 5,
};

/**
 * The status after a channel's report: statuses only move forward (PENDING < SENT < DELIVERED <
 * READ < PLAYED) and FAILED is terminal, because reports arrive late and out of order (a DELIVERED
 * processed after the READ must not undo it). UNSPECIFIED means "none yet"; a report of UNSPECIFIED
 * or of a value this build does not know changes nothing. Returns `current` when nothing changes.
 */
export function advanceMessageStatus(current: MessageStatus, reported: MessageStatus): MessageStatus {
  if (current === MessageStatus.FAILED) return current;
  if (reported === MessageStatus.FAILED) return reported;
  const next = RANK[reported];
  if (next === undefined) return current;
  const now = RANK[current];
  return now === undefined || next > now ? reported : current;
}
