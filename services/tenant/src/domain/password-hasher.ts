import { randomBytes } from "node:crypto";
import argon2 from "argon2";

/** OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane. */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
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

export function createPasswordHasher(): PasswordHasher {
  let decoy: Promise<string> | undefined;
  const hash = (password: string) => argon2.hash(password, { type: argon2.argon2id, ...ARGON2_PARAMS });
  const verify = async (digest: string, password: string) => {
    try {
      return await argon2.verify(digest, password);
    } catch {
      return false;
    }
  };
  return {
    hash,
    verify,
    async verifyNothing(password) {
      decoy ??= hash(randomBytes(16).toString("base64url"));
      await verify(await decoy, password);
      return false;
    },
    needsRehash: (digest) => argon2.needsRehash(digest, ARGON2_PARAMS),
  };
}
