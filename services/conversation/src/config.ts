import {
  authConfigSpec,
  commonConfigSpec,
  int,
  type LogLevel,
  type OtelExporter,
  readConfig as readEnv,
  type Secret,
  str,
  url,
} from "@atendo/service-kit";

const spec = (env: Readonly<Record<string, string | undefined>>) => ({
  ...commonConfigSpec("conversation", { PORT: 7103 }),
  ...authConfigSpec("conversation", env),
  TENANT_SERVICE_URL: url("the base URL of the tenant service (token keys, API keys, workspaces)", {
    protocols: ["http:", "https:"],
  }).default("http://127.0.0.1:7101"),
  BUS_NAMESPACE: str("a prefix isolating NATS subjects and streams (tests)").optional(),
  REDIS_KEY_PREFIX: str("the prefix of every Redis key of the service").default("atendo:"),
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

export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  databaseUrl: string;
  migrationDatabaseUrl?: string;
  redisUrl: string;
  natsUrl: string;
  tenantServiceUrl: string;
  /** Traded for this service's tokens (AuthService.IssueServiceToken). */
  serviceCredential: Secret;
  /** The `iss` of the tokens this service accepts. */
  authIssuer: string;
  busNamespace?: string;
  redisKeyPrefix: string;
  buffer: { windowMs: number; pollMs: number; leaseMs: number };
  sweep: { intervalMs: number; graceMs: number };
}

/** Reads the environment; throws one ConfigError naming every missing or invalid variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const c = readEnv(spec(env), env);
  return {
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    otelExporter: c.OTEL_EXPORTER,
    databaseUrl: c.DATABASE_URL,
    ...(c.MIGRATION_DATABASE_URL === undefined ? {} : { migrationDatabaseUrl: c.MIGRATION_DATABASE_URL }),
    redisUrl: c.REDIS_URL,
    natsUrl: c.NATS_URL,
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    serviceCredential: c.SERVICE_CREDENTIAL,
    authIssuer: c.AUTH_ISSUER,
    ...(c.BUS_NAMESPACE === undefined ? {} : { busNamespace: c.BUS_NAMESPACE }),
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    buffer: { windowMs: c.BUFFER_WINDOW_MS, pollMs: c.BUFFER_POLL_MS, leaseMs: c.BUFFER_LEASE_MS },
    sweep: { intervalMs: c.SWEEP_INTERVAL_MS, graceMs: c.SWEEP_GRACE_MS },
  };
}
