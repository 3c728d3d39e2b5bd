import { UNKNOWN_CLIENT } from "@atendo/service-kit";
import type { WindowCounters } from "./window-counters.js";

export interface SignUpLimits {
  windowS: number;
  maxPerIp: number;
  maxGlobal: number;
}

/**
 * Sign-ups counted in Redis per client address and in all, over a fixed window, reserved before
 * anything is hashed. A request with no known address (one that did not come through the edge) is
 * only under the global limit: one shared bucket for every internal caller would be a global limit
 * too, only a smaller one.
 */
export interface SignUpAttempts {
  /**
   * Counts a sign-up; undefined when it may go on, else what is at its limit ("ip" or "global") and
   * the ms until its window ends.
   */
  reserve(ip: string): Promise<{ limit: "ip" | "global"; retryAfterMs: number } | undefined>;
}

const GLOBAL_KEY = "signups:all";
const ipKey = (ip: string) => `signups:ip:${ip}`;

export function createSignUpAttempts(counters: WindowCounters, limits: SignUpLimits): SignUpAttempts {
  return {
    async reserve(ip) {
      const windowMs = limits.windowS * 1000;
      const keys = [{ key: GLOBAL_KEY, max: limits.maxGlobal, windowMs }];
      if (ip !== UNKNOWN_CLIENT) keys.push({ key: ipKey(ip), max: limits.maxPerIp, windowMs });
      const full = await counters.reserve(keys);
      if (full === undefined) return undefined;
      return { limit: full.key.key === GLOBAL_KEY ? "global" : "ip", retryAfterMs: full.retryAfterMs };
    },
  };
}
