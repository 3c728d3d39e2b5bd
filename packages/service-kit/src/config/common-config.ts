import type { EnvVar } from "./env-var.js";
import { int, oneOf, str, url } from "./env-var.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const OTEL_EXPORTERS = ["none", "console", "otlp"] as const;
export type OtelExporter = (typeof OTEL_EXPORTERS)[number];

/** Defaults a service may give its common variables (usually only PORT, for local runs). */
export interface CommonConfigDefaults {
  PORT?: number;
  HOST?: string;
  LOG_LEVEL?: LogLevel;
  OTEL_EXPORTER?: OtelExporter;
  DATABASE_URL?: string;
  REDIS_URL?: string;
  NATS_URL?: string;
}

const POSTGRES = ["postgres:", "postgresql:"];

function withDefault<T>(v: EnvVar<T>, value: T | undefined): EnvVar<T> {
  return value === undefined ? v : v.default(value);
}

/**
 * The variables every service reads. Spread it into the service's own spec (with
 * redisConfigSpec and authConfigSpec when it uses them), and map them with commonConfigOf:
 * `readConfig({ ...commonConfigSpec("tenant", { PORT: 7101 }), TENANT_KEY: secret("...") })`.
 */
export function commonConfigSpec(service: string, defaults: CommonConfigDefaults = {}) {
  return {
    PORT: withDefault(
      int(`the port the ${service} service listens on, 0 for any free port`, { min: 0, max: 65535 }),
      defaults.PORT,
    ),
    HOST: str(`the address the ${service} service binds to`).default(defaults.HOST ?? "127.0.0.1"),
    LOG_LEVEL: oneOf("the minimum level of log lines", LOG_LEVELS).default(defaults.LOG_LEVEL ?? "info"),
    OTEL_EXPORTER: oneOf("where traces and metrics go", OTEL_EXPORTERS).default(
      defaults.OTEL_EXPORTER ?? "none",
    ),
    DATABASE_URL: withDefault(
      url(`the Postgres URL of the ${service} service's login role (atendo_${service})`, {
        protocols: POSTGRES,
      }),
      defaults.DATABASE_URL,
    ),
    MIGRATION_DATABASE_URL: url(
      "the Postgres URL of the schema owner role (atendo_owner); when set, migrations run at start",
      { protocols: POSTGRES },
    ).optional(),
    NATS_URL: withDefault(url("the NATS server URL", { protocols: ["nats:", "tls:"] }), defaults.NATS_URL),
    BUS_NAMESPACE: str("a prefix isolating this deployment's NATS subjects and streams (tests)").optional(),
    DEAD_LETTER_RETENTION_DAYS: int(
      "days the bus keeps dead letters (one stream shared by every service: give them all the same value)",
      { min: 1, max: 3650 },
    ).default(30),
  };
}

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST = 2;

/** Redis, for the services that keep state there (connect with `createRedis`). */
export function redisConfigSpec(defaults: Pick<CommonConfigDefaults, "REDIS_URL"> = {}) {
  return {
    REDIS_URL: withDefault(url("the Redis URL", { protocols: ["redis:", "rediss:"] }), defaults.REDIS_URL),
    REDIS_KEY_PREFIX: str("the prefix of every Redis key of the service").default("atendo:"),
    REDIS_COMMAND_TIMEOUT_MS: int("time limit of one Redis command, from the call to its reply", {
      min: 10,
      max: 60_000,
    }).default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    REDIS_CONNECT_TIMEOUT_MS: int("time limit of one attempt to connect to Redis", {
      min: 100,
      max: 60_000,
    }).default(DEFAULT_REDIS_CONNECT_TIMEOUT_MS),
    REDIS_MAX_RETRIES_PER_REQUEST: int(
      "reconnection attempts a Redis command waits through before it fails (0: fail on the first lost connection)",
      { min: 0, max: 20 },
    ).default(DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST),
  };
}

/** The common settings, as every service's Config names them. */
export interface CommonConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  /** The service's login role (atendo_<service>). */
  databaseUrl: string;
  /** The schema owner (atendo_owner); when set, migrations run at start. */
  migrationDatabaseUrl?: string;
  natsUrl: string;
  busNamespace?: string;
  /** DEAD_LETTER_RETENTION_DAYS, for `connectBus({ deadLetterRetentionDays })`; absent: the bus's 30. */
  deadLetterRetentionDays?: number;
}

/** What `createRedis` needs; the limits are optional so configs built by hand keep the defaults. */
export interface RedisConfig {
  redisUrl: string;
  redisKeyPrefix: string;
  redisCommandTimeoutMs?: number;
  redisConnectTimeoutMs?: number;
  redisMaxRetriesPerRequest?: number;
}

type CommonValues = {
  PORT: number;
  HOST: string;
  LOG_LEVEL: LogLevel;
  OTEL_EXPORTER: OtelExporter;
  DATABASE_URL: string;
  MIGRATION_DATABASE_URL?: string;
  NATS_URL: string;
  BUS_NAMESPACE?: string;
  DEAD_LETTER_RETENTION_DAYS?: number;
};

/** Maps what commonConfigSpec read to CommonConfig (optional settings stay absent when unset). */
export function commonConfigOf(c: CommonValues): CommonConfig {
  return {
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    otelExporter: c.OTEL_EXPORTER,
    databaseUrl: c.DATABASE_URL,
    ...(c.MIGRATION_DATABASE_URL === undefined ? {} : { migrationDatabaseUrl: c.MIGRATION_DATABASE_URL }),
    natsUrl: c.NATS_URL,
    ...(c.BUS_NAMESPACE === undefined ? {} : { busNamespace: c.BUS_NAMESPACE }),
    ...(c.DEAD_LETTER_RETENTION_DAYS === undefined
      ? {}
      : { deadLetterRetentionDays: c.DEAD_LETTER_RETENTION_DAYS }),
  };
}

type RedisValues = {
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  REDIS_COMMAND_TIMEOUT_MS?: number;
  REDIS_CONNECT_TIMEOUT_MS?: number;
  REDIS_MAX_RETRIES_PER_REQUEST?: number;
};

export function redisConfigOf(c: RedisValues): RedisConfig {
  return {
    redisUrl: c.REDIS_URL,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    ...(c.REDIS_COMMAND_TIMEOUT_MS === undefined
      ? {}
      : { redisCommandTimeoutMs: c.REDIS_COMMAND_TIMEOUT_MS }),
    ...(c.REDIS_CONNECT_TIMEOUT_MS === undefined
      ? {}
      : { redisConnectTimeoutMs: c.REDIS_CONNECT_TIMEOUT_MS }),
    ...(c.REDIS_MAX_RETRIES_PER_REQUEST === undefined
      ? {}
      : { redisMaxRetriesPerRequest: c.REDIS_MAX_RETRIES_PER_REQUEST }),
  };
}
