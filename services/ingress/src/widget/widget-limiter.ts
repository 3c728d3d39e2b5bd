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
 * fixed window in Redis (`<prefix>widget:<scope>:<id>`). One script checks every counter of a
 * request and counts it only when all admit it, so a refused request costs nothing and two
 * concurrent requests never both take the last unit.
 */
export interface WidgetLimiter {
  admitMessage(channelId: string, visitorId: string): Promise<WidgetAdmission>;
  admitSession(ip: string): Promise<WidgetAdmission>;
}

// KEYS: counters. ARGV[1]: window ms; ARGV[1 + i]: limit of KEYS[i]. Returns 0 when admitted (every
// counter counted), else the 1-based index of the first full counter and its milliseconds left.
const ADMIT = `
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used >= tonumber(ARGV[i + 1]) then
    return {i, math.max(redis.call('PTTL', KEYS[i]), 1)}
  end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return {0, 0}`;

export function createWidgetLimiter(redis: Redis, limits: WidgetLimits): WidgetLimiter {
  async function admit(
    counters: ReadonlyArray<{ scope: "visitor" | "site" | "ip"; key: string; limit: number }>,
  ): Promise<WidgetAdmission> {
    const [index, waitMs] = (await redis.eval(
      ADMIT,
      counters.length,
      ...counters.map((c) => c.key),
      limits.windowMs,
      ...counters.map((c) => c.limit),
    )) as [number, number];
    const full = index > 0 ? counters[index - 1] : undefined;
    return full === undefined
      ? { admitted: true }
      : { admitted: false, scope: full.scope, retryAfterMs: waitMs };
  }
  return {
    admitMessage: (channelId, visitorId) =>
      admit([
        {
          scope: "visitor",
          key: `widget:visitor:${channelId}:${visitorId}`,
          limit: limits.messagesPerVisitor,
        },
        { scope: "site", key: `widget:site:${channelId}`, limit: limits.messagesPerSite },
      ]),
    admitSession: (ip) =>
      admit([{ scope: "ip", key: `widget:sessions:ip:${ip}`, limit: limits.sessionsPerIp }]),
  };
}
