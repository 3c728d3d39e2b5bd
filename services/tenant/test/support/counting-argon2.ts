import { ARGON2, type Argon2Binding } from "../../src/domain/password-hasher.js";

export type Argon2Event = "hash-start" | "hash-end" | "verify-start" | "verify-end";

/** The real argon2, counting what the service asks of it: calls, how many run at once, in order. */
export interface CountingArgon2 {
  binding: Argon2Binding;
  hashes: number;
  verifies: number;
  /** Most hashes / argon2 calls of any kind running at the same time so far. */
  maxHashing: number;
  maxInFlight: number;
  events: Argon2Event[];
  /** Starts counting the maxima again. */
  resetMaxima(): void;
}

export function countingArgon2(): CountingArgon2 {
  let hashing = 0;
  let inFlight = 0;
  const stats: CountingArgon2 = {
    hashes: 0,
    verifies: 0,
    maxHashing: 0,
    maxInFlight: 0,
    events: [],
    resetMaxima() {
      stats.maxHashing = hashing;
      stats.maxInFlight = inFlight;
    },
    binding: {
      async hash(password) {
        stats.hashes++;
        hashing++;
        inFlight++;
        stats.maxHashing = Math.max(stats.maxHashing, hashing);
        stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
        stats.events.push("hash-start");
        try {
          return await ARGON2.hash(password);
        } finally {
          hashing--;
          inFlight--;
          stats.events.push("hash-end");
        }
      },
      async verify(digest, password) {
        stats.verifies++;
        inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
        stats.events.push("verify-start");
        try {
          return await ARGON2.verify(digest, password);
        } finally {
          inFlight--;
          stats.events.push("verify-end");
        }
      },
    },
  };
  return stats;
}
