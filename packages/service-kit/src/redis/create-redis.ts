import { Redis } from "ioredis";
import type { Logger } from "pino";
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST,
  type RedisConfig,
} from "../config/common-config.js";
import { redactUrlCredentials } from "../config/redact.js";

export interface CreateRedisOptions {
  /** Who connects ("conversation"): Redis shows the connection as `atendo-<name>` in CLIENT LIST. */
  name: string;
  logger: Logger;
  /**
   * Default true: the client puts REDIS_KEY_PREFIX before every key (scripts' KEYS included). False
   * for code that builds prefixed keys itself.
   */
  prefixKeys?: boolean;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;
// Reconnection delays: doubling from 100 ms to 2 s, with jitter so replicas do not reconnect in step.
const RECONNECT_INITIAL_MS = 100;
const RECONNECT_MAX_MS = 2000;

/**
 * The one way a service connects to Redis: every command has a deadline (REDIS_COMMAND_TIMEOUT_MS,
 * also while it waits for a connection), a connection attempt has one (REDIS_CONNECT_TIMEOUT_MS), a
 * command waits through at most REDIS_MAX_RETRIES_PER_REQUEST reconnections, and the client keeps
 * reconnecting with backoff for as long as it lives. It connects on its first command (`await
 * redis.connect()` to fail fast at start). Errors are logged without the URL's credentials, once per
 * outage at warn (then debug), and the recovery at info. Blocking commands (BLPOP, XREAD BLOCK) are
 * bounded by the command timeout too: give them a client of their own with a longer one.
 */
export function createRedis(config: RedisConfig, options: CreateRedisOptions): Redis {
  if (!NAME.test(options.name)) throw new TypeError(`createRedis: invalid name "${options.name}"`);
  const log = options.logger.child({ component: "redis", client: options.name });
  const redis = new Redis(config.redisUrl, {
    ...(options.prefixKeys === false ? {} : { keyPrefix: config.redisKeyPrefix }),
    connectionName: `atendo-${options.name}`,
    commandTimeout: config.redisCommandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: config.redisConnectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: config.redisMaxRetriesPerRequest ?? DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST,
    retryStrategy: reconnectDelayMs,
    lazyConnect: true,
  });
  let failing = false;
  redis.on("error", (err: unknown) => {
    const fields = { err: safeError(err) };
    if (failing) log.debug(fields, "redis still failing");
    else log.warn(fields, "redis error; reconnecting");
    failing = true;
  });
  redis.on("ready", () => {
    if (failing) log.info({}, "redis connection recovered");
    failing = false;
  });
  return redis;
}

/** Delay before reconnection attempt `times` (1-based); never gives up. */
function reconnectDelayMs(times: number): number {
  const base = Math.min(RECONNECT_INITIAL_MS * 2 ** Math.max(0, times - 1), RECONNECT_MAX_MS);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

// The error's name, message and code only: a client error may quote the address or URL it used.
function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactUrlCredentials(String(err)) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: redactUrlCredentials(err.message),
    ...(typeof code === "string" ? { code } : {}),
  };
}
