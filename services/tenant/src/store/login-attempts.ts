import { createHash } from "node:crypto";
import type { WindowCounters } from "./window-counters.js";

export interface LoginLimits {
  windowS: number;
  maxPerAccount: number;
  maxPerIp: number;
}

/**
 * Login attempts counted in Redis per account (email) and per client address over a fixed window.
 * An attempt is reserved on both counters before its password is checked, in one script, so
 * concurrent logins can never check more passwords than the limits allow; a correct password gives
 * the reservation back. The account key is a hash of the email: Redis never holds the address
 * itself. Unknown emails are counted like known ones, so being blocked says nothing about whether
 * an account exists.
 */
export interface LoginAttempts {
  /**
   * Reserves an attempt: undefined when it may go on, else the ms until the account's or the
   * address's window ends (nothing counted).
   */
  reserve(who: { email: string; ip: string }): Promise<number | undefined>;
  /** The password was right: the account's counter is cleared, the address's attempt given back. */
  succeeded(who: { email: string; ip: string }): Promise<void>;
}

const accountKey = (email: string) =>
  `login-failures:account:${createHash("sha256").update(email).digest("base64url")}`;
const ipKey = (ip: string) => `login-failures:ip:${ip}`;

export function createLoginAttempts(counters: WindowCounters, limits: LoginLimits): LoginAttempts {
  return {
    async reserve({ email, ip }) {
      const windowMs = limits.windowS * 1000;
      const full = await counters.reserve([
        { key: accountKey(email), max: limits.maxPerAccount, windowMs },
        { key: ipKey(ip), max: limits.maxPerIp, windowMs },
      ]);
      return full?.retryAfterMs;
    },
    async succeeded({ email, ip }) {
      // Independent keys: both commands go out together, one round trip's wait instead of two.
      await Promise.all([counters.clear(accountKey(email)), counters.release(ipKey(ip))]);
    },
  };
}
