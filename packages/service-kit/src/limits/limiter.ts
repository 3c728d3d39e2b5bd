import type { Redis } from "ioredis";
import { LIMITER_SCRIPT } from "./limiter-script.js";

/**
 * A sustained rate with a burst on top (GCRA): `burst` units at once from rest, then one every
 * `1000 / perSecond` ms. For traffic: webhooks per tenant and channel.
 */
export interface RateKeyLimit {
  kind: "rate";
  /** The key, without REDIS_KEY_PREFIX (the client adds it). */
  key: string;
  perSecond: number;
  burst: number;
}

/**
 * At most `max` units in a fixed window opened by the first one; all come back when it ends. For
 * lockouts and abuse counters, whose count is what an operator reads and clears.
 */
export interface WindowKeyLimit {
  kind: "window";
  key: string;
  max: number;
  windowMs: number;
}

export type KeyLimit = RateKeyLimit | WindowKeyLimit;

/** One key's answer: allowed, or the ms until it would admit the unit (at least 1). */
export interface KeyVerdict {
  allowed: boolean;
  /** 0 when allowed. */
  retryAfterMs: number;
}

export interface LimitVerdict {
  /** Every key admitted the unit. */
  allowed: boolean;
  /** The longest wait of the refusing keys (0 when allowed): when the whole call would pass. */
  retryAfterMs: number;
  /** Per key, in the order given. */
  keys: KeyVerdict[];
}

export interface TakeOptions {
  /**
   * Abuse counters: every key counts the unit even when the call is refused, so a flood keeps its
   * keys at the limit. By default a refused call spends nothing anywhere.
   */
  countRefused?: boolean;
}

/**
 * Limits in Redis, several keys per call judged and spent atomically in one script (one round trip,
 * sent by its SHA). In a Redis cluster, give the keys of one call a common hash tag (`{tenant}`).
 */
export interface Limiter {
  /**
   * One unit on every key: all admit it and all spend it, or (by default) none spends it. Takes of
   * the same limits made while Redis is asked (one event-loop turn) go in one call, judged in the
   * order they were made.
   */
  take(limits: readonly KeyLimit[], options?: TakeOptions): Promise<LimitVerdict>;
  /** One unit back on each key (a window never below zero, a rate never beyond its full burst). */
  giveBack(limits: ReadonlyArray<RateKeyLimit | Pick<WindowKeyLimit, "kind" | "key">>): Promise<void>;
  /** Starts the keys over. */
  reset(keys: readonly string[]): Promise<void>;
}

type Op = "take" | "count" | "give";
type Scripted = Record<
  typeof COMMAND,
  (keyCount: number, ...args: Array<string | number>) => Promise<number[]>
>;
type LimitArgs = Parameters<typeof argsOf>[0];

const COMMAND = "atendoLimit";

function argsOf(
  limit: RateKeyLimit | Pick<WindowKeyLimit, "kind" | "key"> | WindowKeyLimit,
): Array<string | number> {
  if (limit.kind === "rate") return ["r", 1000 / limit.perSecond, limit.burst];
  return "max" in limit ? ["w", limit.max, limit.windowMs] : ["w", 0, 0];
}

/** The takes of one set of limits waiting for the next call. */
interface Group {
  limits: readonly KeyLimit[];
  waiting: Array<{ resolve: (v: LimitVerdict) => void; reject: (err: unknown) => void }>;
}

const ALLOWED_NONE: LimitVerdict = { allowed: true, retryAfterMs: 0, keys: [] };

export function createLimiter(redis: Redis): Limiter {
  // Defined once per client: ioredis sends EVALSHA, and the script itself only the first time on a
  // connection (or after Redis lost it).
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: LIMITER_SCRIPT });
  const scripted = redis as unknown as Scripted;

  function run(op: Op, limits: ReadonlyArray<LimitArgs>, units: number): Promise<number[]> {
    return scripted[COMMAND](
      limits.length,
      ...limits.map((l) => l.key),
      op,
      units,
      ...limits.flatMap(argsOf),
    );
  }

  // Under load many requests take the same limits (a tenant's webhooks) within one turn: one script
  // call carries them all, so Redis costs a round trip per turn and set of keys, not per request.
  const groups = new Map<string, Group>();
  let scheduled = false;

  function send(group: Group): void {
    const { limits, waiting } = group;
    run("take", limits, waiting.length).then(
      ([admitted = 0, ...waits]) => {
        for (const [i, w] of waiting.entries()) {
          w.resolve(i < admitted ? allowedFor(limits.length) : verdictOf(waits));
        }
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }

  function flush(): void {
    scheduled = false;
    const due = [...groups.values()];
    groups.clear();
    for (const group of due) send(group);
  }

  return {
    take(limits, options = {}) {
      if (limits.length === 0) return Promise.resolve(ALLOWED_NONE);
      if (options.countRefused === true) {
        return run("count", limits, 1).then(([, ...waits]) => verdictOf(waits));
      }
      const signature = limits.map((l) => [l.key, ...argsOf(l)].join("\u0000")).join("\u0001");
      let group = groups.get(signature);
      if (group === undefined) {
        group = { limits, waiting: [] };
        groups.set(signature, group);
      }
      const joined = group;
      if (!scheduled) {
        scheduled = true;
        // After the I/O callbacks of this turn: the takes they make join the same call.
        setImmediate(flush);
      }
      return new Promise<LimitVerdict>((resolve, reject) => joined.waiting.push({ resolve, reject }));
    },
    async giveBack(limits) {
      if (limits.length > 0) await run("give", limits, 1);
    },
    async reset(keys) {
      if (keys.length > 0) await redis.del(...keys);
    },
  };
}

function allowedFor(keyCount: number): LimitVerdict {
  return {
    allowed: true,
    retryAfterMs: 0,
    keys: Array.from({ length: keyCount }, () => ({ allowed: true, retryAfterMs: 0 })),
  };
}

/** The per-key waits of the script's answer as a verdict. */
function verdictOf(waits: readonly number[]): LimitVerdict {
  const keys = waits.map((w) => ({ allowed: w === 0, retryAfterMs: w }));
  const retryAfterMs = Math.max(0, ...waits);
  return { allowed: retryAfterMs === 0, retryAfterMs, keys };
}
