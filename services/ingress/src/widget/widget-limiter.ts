import { createLimiter, type WindowKeyLimit } from "@atendo/service-kit";
import type { Redis } from "ioredis";

export interface WidgetLimits {
  windowMs: number;
  messagesPerVisitor: number;
  messagesPerSite: number;
  sessionsPerIp: number;
}

export type WidgetAdmission =
  | { admitted: true }
  | { admitted: false; scope: "visitor" | "site" | "ip"; retryAfterMs: number };

/**
 * Widget traffic per visitor and per site (messages) and per client address (new sessions), over a
 * fixed window in Redis (`<prefix>widget:<scope>:<id>`). service-kit's limiter checks every counter
 * of a request and counts it only when all admit it, so a refused request costs nothing and two
 * concurrent requests never both take the last unit.
 */
export interface WidgetLimiter {
  admitMessage(channelId: string, visitorId: string): Promise<WidgetAdmission>;
  admitSession(ip: string): Promise<WidgetAdmission>;
}

type Scope = "visitor" | "site" | "ip";

export function createWidgetLimiter(redis: Redis, limits: WidgetLimits): WidgetLimiter {
  const limiter = createLimiter(redis);
  const counter = (key: string, max: number): WindowKeyLimit => ({
    kind: "window",
    key,
    max,
    windowMs: limits.windowMs,
  });
  async function admit(
    scopes: readonly Scope[],
    counters: readonly WindowKeyLimit[],
  ): Promise<WidgetAdmission> {
    const verdict = await limiter.take(counters);
    // The first full counter names the scope, as the message tells the visitor which limit it hit.
    const index = verdict.keys.findIndex((k) => !k.allowed);
    const scope = scopes[index];
    return scope === undefined
      ? { admitted: true }
      : { admitted: false, scope, retryAfterMs: verdict.keys[index]?.retryAfterMs ?? 1 };
  }
  return {
    admitMessage: (channelId, visitorId) =>
      admit(
        ["visitor", "site"],
        [
          counter(`widget:visitor:${channelId}:${visitorId}`, limits.messagesPerVisitor),
          counter(`widget:site:${channelId}`, limits.messagesPerSite),
        ],
      ),
    admitSession: (ip) => admit(["ip"], [counter(`widget:sessions:ip:${ip}`, limits.sessionsPerIp)]),
  };
}
