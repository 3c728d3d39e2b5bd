import { invalidArgument } from "@atendo/service-kit";

// A cursor is a message's position in its thread; opaque to clients ("w" + the sequence number) so
// it can change shape later.
const PATTERN = /^w([1-9][0-9]{0,15})$/;

export function cursorOf(seq: number): string {
  return `w${seq}`;
}

/** The sequence number of a cursor; invalid_argument names the field for anything else. */
export function seqOfCursor(cursor: string, field: string): number {
  const match = PATTERN.exec(cursor);
  if (match?.[1] === undefined) throw invalidArgument(field, "is not a cursor this service gave");
  return Number(match[1]);
}
