import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

// uuid's own v7 asks the system for 16 random bytes per id (one getRandomValues call each), which
// under load was about 2% of a webhook's CPU. Here the bytes come from a pool refilled 4 KiB at a
// time, and the monotonic (millisecond, counter) state below is uuid's own algorithm (RFC 9562,
// method 1), kept here because uuid only applies it when it draws the bytes itself.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let used = POOL_BYTES;
let lastMs = Number.NEGATIVE_INFINITY;
let seq = 0;

function random16(): Uint8Array {
  if (used + 16 > pool.length) {
    pool = randomFillSync(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  const bytes = pool.subarray(used, used + 16);
  used += 16;
  return bytes;
}

/** A UUIDv7: time-ordered, so primary keys and event ids index well and sort by creation. */
export function newId(): string {
  const now = Date.now();
  const random = random16();
  if (now > lastMs) {
    // A new millisecond: the counter starts at a random 31-bit value.
    seq =
      (((random[6] ?? 0) & 0x7f) << 24) |
      ((random[7] ?? 0) << 16) |
      ((random[8] ?? 0) << 8) |
      (random[9] ?? 0);
    lastMs = now;
  } else {
    // The same millisecond (or the clock went back): the counter goes on; on overflow, the next ms.
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return v7({ msecs: lastMs, seq, random });
}
