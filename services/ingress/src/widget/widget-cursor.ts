import { invalidArgument } from "@atendo/service-kit";

/**
 * Where a message stands in its thread: `seq`, its place in the history (fixed when it is stored),
 * and `version`, the thread's change counter when it last changed (stored or given a new status).
 * Both come from the same per-thread counter, so `version >= seq`.
 */
export interface ThreadPosition {
  seq: number;
  version: number;
}

// Opaque to clients so it can change shape: "w<seq>" for a message never changed since it was
// stored (the only shape before versions existed, still accepted), else "w<seq>-<version>".
const PATTERN = /^w([1-9][0-9]{0,15})(?:-([1-9][0-9]{0,15}))?$/;

export function cursorOf(p: ThreadPosition): string {
  return p.version === p.seq ? `w${p.seq}` : `w${p.seq}-${p.version}`;
}

/** The position a cursor names; invalid_argument names the field for anything else. */
export function positionOfCursor(cursor: string, field: string): ThreadPosition {
  const match = PATTERN.exec(cursor);
  if (match?.[1] === undefined) throw invalidArgument(field, "is not a cursor this service gave");
  const seq = Number(match[1]);
  const version = match[2] === undefined ? seq : Number(match[2]);
  if (version < seq) throw invalidArgument(field, "is not a cursor this service gave");
  return { seq, version };
}
