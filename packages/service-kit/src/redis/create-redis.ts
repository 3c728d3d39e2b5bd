import { once } from "node:events";
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
}

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;
// Reconnection delays: doubling from 100 ms to 2 s, with jitter so replicas do not reconnect in step.
const RECONNECT_INITIAL_MS = 100;
const RECONNECT_MAX_MS = 2000;

/**
 * The one way a service connects to Redis: REDIS_KEY_PREFIX goes before every key, every command
 * has a deadline (REDIS_COMMAND_TIMEOUT_MS, also while it waits for a connection), a connection
 * attempt has one (REDIS_CONNECT_TIMEOUT_MS), a command waits through at most
 * REDIS_MAX_RETRIES_PER_REQUEST reconnections, and the client keeps reconnecting with backoff for as
 * long as it lives. It connects on its first command (services use `connectRedis` to fail fast at
 * start). Errors are logged without the URL's credentials, once per
 * outage at warn (then debug), and the recovery at info. Blocking commands (BLPOP, XREAD BLOCK) are
 * bounded by the command timeout too: give them a client of their own with a longer one.
 */
export function createRedis(config: RedisConfig, options: CreateRedisOptions): Redis {
  return newClient(config, options, { retryFirstConnection: true });
}

/**
 * `createRedis`, connected: a service's start fails fast when Redis cannot be reached (the first
 * connection is not retried, so no client is left reconnecting); once connected, it reconnects like
 * any other.
 */
export async function connectRedis(config: RedisConfig, options: CreateRedisOptions): Promise<Redis> {
  const redis = newClient(config, options, { retryFirstConnection: false });
  // ioredis rejects with "Connection is closed."; the socket's error says why.
  let cause: unknown;
  const remember = (err: unknown) => {
    cause = err;
  };
  redis.on("error", remember);
  try {
    await redis.connect();
  } catch (err) {
    if (redis.status !== "end") redis.disconnect();
    // The message says it all (a cause would repeat it in the log line).
    throw new Error(`cannot connect to Redis: ${String(safeError(cause ?? err).message)}`);
  } finally {
    redis.off("error", remember);
  }
  return redis;
}

function newClient(
  config: RedisConfig,
  options: CreateRedisOptions,
  { retryFirstConnection }: { retryFirstConnection: boolean },
): Redis {
  if (!NAME.test(options.name)) throw new TypeError(`createRedis: invalid name "${options.name}"`);
  const log = options.logger.child({ component: "redis", client: options.name });
  let connected = false;
  const redis = new Redis(config.redisUrl, {
    // Every key, scripts' KEYS included: code names its keys without the prefix.
    keyPrefix: config.redisKeyPrefix,
    connectionName: `atendo-${options.name}`,
    commandTimeout: config.redisCommandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: config.redisConnectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: config.redisMaxRetriesPerRequest ?? DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST,
    // null: give up (only before the first connection of connectRedis).
    retryStrategy: (times) => (connected || retryFirstConnection ? reconnectDelayMs(times) : null),
    lazyConnect: true,
    // Commands issued in one tick leave in one write: under load ingress asks a rate limit per
    // webhook, and a socket write each was its largest Redis cost (docs/operations.md, speed).
    enableAutoPipelining: true,
  });
  let failing = false;
  redis.on("error", (err: unknown) => {
    // connectRedis's caller reports a failed first connection (the error it throws).
    if (!connected && !retryFirstConnection) return;
    const fields = { err: safeError(err) };
    if (failing) log.debug(fields, "redis still failing");
    else log.warn(fields, "redis error; reconnecting");
    failing = true;
  });
  redis.on("ready", () => {
    connected = true;
    if (failing) log.info({}, "redis connection recovered");
    failing = false;
  });
  return redis;
}

/**
 * Closes a client: when connected, politely (QUIT waits for the replies in flight) and resolves once
 * the connection is closed; otherwise at once (a client waiting to reconnect just stops).
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  const ended = once(redis, "end");
  try {
    await redis.quit();
  } catch {
    // The connection dropped meanwhile: nothing left to close politely.
    redis.disconnect();
    return;
  }
  await ended;
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
