import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  commonConfigOf,
  commonConfigSpec,
  int,
  type OutboxConfig,
  outboxConfigSpec,
  type RedisConfig,
  readConfig as readEnv,
  redisConfigOf,
  redisConfigSpec,
  url,
} from "@atendo/service-kit";

const DAY_MS = 24 * 3_600_000;

// Retention only: this service has an inbox (processed_events) and no outbox.
const { RETENTION_DAYS, RETENTION_INTERVAL_MS } = outboxConfigSpec();

const spec = (env: Readonly<Record<string, string | undefined>>) => ({
  ...commonConfigSpec("conversation", { PORT: 7103 }),
  ...redisConfigSpec(),
  ...authConfigSpec("conversation", env),
  RETENTION_DAYS,
  RETENTION_INTERVAL_MS,
  TENANT_SERVICE_URL: url("the base URL of the tenant service (token keys, API keys, workspaces)", {
    protocols: ["http:", "https:"],
  }).default("http://127.0.0.1:7101"),
  BUFFER_WINDOW_MS: int("how long the reply buffer waits after the last inbound message, in ms", {
    min: 0,
    max: 600_000,
  }).default(3_000),
  BUFFER_POLL_MS: int("the longest pause between two looks at the buffer's due set, in ms", {
    min: 1,
    max: 60_000,
  }).default(250),
  BUFFER_LEASE_MS: int("how long a replica owns a conversation it is flushing, in ms", {
    min: 100,
    max: 600_000,
  }).default(30_000),
  MEDIA_WAIT_MS: int(
    "how long a turn waits for the media of its messages to be stored before it goes anyway, in ms",
    { min: 0, max: 600_000 },
  ).default(60_000),
  SWEEP_INTERVAL_MS: int(
    "the pause between sweeps of Postgres for pending turns missing from Redis (0: off)",
    {
      min: 0,
    },
  ).default(30_000),
  SWEEP_GRACE_MS: int("how old a pending turn must be before the sweep re-arms it, in ms", {
    min: 0,
  }).default(60_000),
});

export interface Config extends CommonConfig, RedisConfig, AuthConfig, Pick<OutboxConfig, "retention"> {
  tenantServiceUrl: string;
  buffer: { windowMs: number; pollMs: number; leaseMs: number; mediaWaitMs: number };
  sweep: { intervalMs: number; graceMs: number };
}

/** Reads the environment; throws one ConfigError naming every missing or invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const c = readEnv(spec(env), env);
  return {
    ...commonConfigOf(c),
    ...redisConfigOf(c),
    ...authConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    buffer: {
      windowMs: c.BUFFER_WINDOW_MS,
      pollMs: c.BUFFER_POLL_MS,
      leaseMs: c.BUFFER_LEASE_MS,
      mediaWaitMs: c.MEDIA_WAIT_MS,
    },
    sweep: { intervalMs: c.SWEEP_INTERVAL_MS, graceMs: c.SWEEP_GRACE_MS },
    retention: { maxAgeMs: c.RETENTION_DAYS * DAY_MS, intervalMs: c.RETENTION_INTERVAL_MS },
  };
}
