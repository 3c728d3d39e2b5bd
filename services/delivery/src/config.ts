import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  commonConfigOf,
  commonConfigSpec,
  int,
  outboxConfigSpec,
  type RedisConfig,
  readConfig as readEnv,
  redisConfigOf,
  redisConfigSpec,
  url,
} from "@atendo/service-kit";

const DAY_MS = 24 * 3_600_000;

// Delivery has no outbox (its events leave through its consumers' inbox rows): of the outbox's
// settings it takes the retention of those rows only.
const { RETENTION_DAYS, RETENTION_INTERVAL_MS } = outboxConfigSpec();

/** The variables of the delivery service; SERVICE_CREDENTIAL is required when NODE_ENV is production. */
export const configSpec = (env: Readonly<Record<string, string | undefined>>) => ({
  ...commonConfigSpec("delivery", { PORT: 7106 }),
  ...redisConfigSpec(),
  ...authConfigSpec("delivery", env),
  RETENTION_DAYS,
  RETENTION_INTERVAL_MS,
  TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
    "http://127.0.0.1:7101",
  ),
  DELIVERY_CONCURRENCY: int("outbound messages sent at once by one process", { min: 1, max: 512 }).default(
    16,
  ),
  DELIVERY_MAX_DELIVER: int("deliveries of an outbound event before it is given up", {
    min: 1,
    max: 100,
  }).default(8),
  DELIVERY_RETRY_INITIAL_MS: int("first retry delay after a transient send failure", { min: 1 }).default(
    2_000,
  ),
  DELIVERY_RETRY_MAX_MS: int("longest retry delay after a transient send failure", { min: 1 }).default(
    300_000,
  ),
  PAIR_RATE_LIMIT_UNIT_MS: int("unit of the 4^n backoff after WhatsApp error 131056", { min: 1 }).default(
    1_000,
  ),
  GRAPH_TIMEOUT_MS: int("time limit of one Graph API request", { min: 100, max: 120_000 }).default(15_000),
  CHANNEL_CACHE_TTL_MS: int("how long a resolved channel is reused", { min: 0, max: 3_600_000 }).default(
    60_000,
  ),
  HELD_RECONCILE_INTERVAL_MS: int(
    "pause between two passes that send the held messages of tenants no longer suspended (0: none)",
    { min: 0, max: 86_400_000 },
  ).default(60_000),
  STATUS_UNKNOWN_GRACE_MS: int(
    "how long a status for an unknown message id is retried (its send may not be recorded yet)",
    { min: 0, max: 3_600_000 },
  ).default(15_000),
});

/** What `start` needs; tests build it directly. */
export interface Config extends CommonConfig, RedisConfig, AuthConfig {
  tenantServiceUrl: string;
  concurrency: number;
  maxDeliver: number;
  retryInitialMs: number;
  retryMaxMs: number;
  pairRateLimitUnitMs: number;
  graphTimeoutMs: number;
  channelCacheTtlMs: number;
  statusUnknownGraceMs: number;
  /** 0: no periodic pass (tests that need the event path alone). */
  heldReconcileIntervalMs: number;
  /** For @atendo/db's createRetentionJob: how old inbox rows get before they go, and how often. */
  retention: { maxAgeMs: number; intervalMs: number };
}

/** Reads the environment; throws a ConfigError naming every missing or invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const c = readEnv(configSpec(env), env);
  return {
    ...commonConfigOf(c),
    ...redisConfigOf(c),
    ...authConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    concurrency: c.DELIVERY_CONCURRENCY,
    maxDeliver: c.DELIVERY_MAX_DELIVER,
    retryInitialMs: c.DELIVERY_RETRY_INITIAL_MS,
    retryMaxMs: Math.max(c.DELIVERY_RETRY_MAX_MS, c.DELIVERY_RETRY_INITIAL_MS),
    pairRateLimitUnitMs: c.PAIR_RATE_LIMIT_UNIT_MS,
    graphTimeoutMs: c.GRAPH_TIMEOUT_MS,
    channelCacheTtlMs: c.CHANNEL_CACHE_TTL_MS,
    statusUnknownGraceMs: c.STATUS_UNKNOWN_GRACE_MS,
    heldReconcileIntervalMs: c.HELD_RECONCILE_INTERVAL_MS,
    retention: { maxAgeMs: c.RETENTION_DAYS * DAY_MS, intervalMs: c.RETENTION_INTERVAL_MS },
  };
}
