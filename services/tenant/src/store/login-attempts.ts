import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface LoginLimits {
  windowS: number;
  maxPerAccount: number;
  maxPerIp: number;
}

/**
 * Failed logins counted in Redis per account (email) and per client address over a fixed window.
 * The account key is a hash of the email: Redis never holds the address itself. Unknown emails are
 * counted like known ones, so being blocked says nothing about whether an account exists.
 */
export interface LoginAttempts {
  /** Whether either counter has reached its limit. */
  blocked(who: { email: string; ip: string }): Promise<boolean>;
  recordFailure(who: { email: string; ip: string }): Promise<void>;
  /** A successful login clears the account's counter (not the address's). */
  recordSuccess(who: { email: string }): Promise<void>;
}

const accountKey = (email: string) =>
  `login-failures:account:${createHash("sha256").update(email).digest("base64url")}`;
const ipKey = (ip: string) => `login-failures:ip:${ip}`;

export function createLoginAttempts(redis: Redis, limits: LoginLimits): LoginAttempts {
  const windowMs = limits.windowS * 1000;
  return {
    async blocked({ email, ip }) {
      const [account, address] = await redis.mget(accountKey(email), ipKey(ip));
      return Number(account ?? 0) >= limits.maxPerAccount || Number(address ?? 0) >= limits.maxPerIp;
    },
    async recordFailure({ email, ip }) {
      // SET NX PX starts the window with the first failure; INCR keeps the expiry.
      await redis
        .multi()
        .set(accountKey(email), 0, "PX", windowMs, "NX")
        .incr(accountKey(email))
        .set(ipKey(ip), 0, "PX", windowMs, "NX")
        .incr(ipKey(ip))
        .exec();
    },
    async recordSuccess({ email }) {
      await redis.del(accountKey(email));
    },
  };
}
