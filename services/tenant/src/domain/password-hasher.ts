import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import pLimit, { type LimitFunction } from "p-limit";

/** OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane. */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** What the hasher needs of argon2 (the real binding by default; tests count calls through it). */
export interface Argon2Binding {
  hash(password: string): Promise<string>;
  verify(digest: string, password: string): Promise<boolean>;
}

export const ARGON2: Argon2Binding = {
  hash: (password) => argon2.hash(password, { type: argon2.argon2id, ...ARGON2_PARAMS }),
  verify: (digest, password) => argon2.verify(digest, password),
};

/** More argon2 work is waiting than the queues allow: the caller answers resource_exhausted. */
export class HashingBusyError extends Error {
  override readonly name = "HashingBusyError";
}

export interface HashingLimits {
  /** argon2 computations at once, all kinds: each holds a libuv thread, so keep one free for the rest. */
  concurrency: number;
  /** Computations that may wait for a slot. */
  queue: number;
  /** New passwords (sign-ups, new accounts of invitations) at once, within `concurrency`. */
  signUpConcurrency: number;
  /** New passwords that may wait. */
  signUpQueue: number;
}

export interface PasswordHasher {
  /** Hashes the password of an existing account (a stronger rehash at login). */
  hash(password: string): Promise<string>;
  /**
   * Hashes the password of a new account behind its own narrower gate, so a burst of sign-ups
   * holds at most `signUpConcurrency` argon2 slots and logins always find one.
   */
  hashNew(password: string): Promise<string>;
  /** Whether `password` matches `hash`; false for a malformed hash. */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spends what a verification costs and answers false: for unknown accounts, so the answer time
   * does not tell whether an email is registered.
   */
  verifyNothing(password: string): Promise<false>;
  /** Whether a stored hash was made with weaker (older) parameters and should be replaced. */
  needsRehash(hash: string): boolean;
}

/** Runs `work` through `gate`, or refuses at once when `maxWaiting` calls already wait there. */
function through<T>(gate: LimitFunction, maxWaiting: number, work: () => Promise<T>): Promise<T> {
  if (gate.activeCount >= gate.concurrency && gate.pendingCount >= maxWaiting) {
    return Promise.reject(new HashingBusyError("too many passwords are being checked right now; try again"));
  }
  return gate(work);
}

export function createPasswordHasher(limits: HashingLimits, binding: Argon2Binding = ARGON2): PasswordHasher {
  const all = pLimit(limits.concurrency);
  const newPasswords = pLimit(limits.signUpConcurrency);
  let decoy: Promise<string> | undefined;
  const hash = (password: string) => through(all, limits.queue, () => binding.hash(password));
  const verify = (digest: string, password: string) =>
    through(all, limits.queue, async () => {
      try {
        return await binding.verify(digest, password);
      } catch {
        return false;
      }
    });
  return {
    hash,
    hashNew: (password) => through(newPasswords, limits.signUpQueue, () => hash(password)),
    verify,
    async verifyNothing(password) {
      decoy ??= binding.hash(randomBytes(16).toString("base64url"));
      await verify(await decoy, password);
      return false;
    },
    needsRehash: (digest) => argon2.needsRehash(digest, ARGON2_PARAMS),
  };
}
