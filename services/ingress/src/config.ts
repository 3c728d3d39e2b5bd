import type { LogLevel, OtelExporter } from "@atendo/service-kit";
import { commonConfigSpec, int, readConfig, str, url } from "@atendo/service-kit";

/** The environment of the ingress service (see README.md). */
export const ingressConfigSpec = {
  ...commonConfigSpec("ingress", { PORT: 7102 }),
  BUS_NAMESPACE: str("a prefix isolating NATS subjects and streams (tests)").optional(),
  REDIS_KEY_PREFIX: str("the prefix of every Redis key of the service").default("atendo:"),
  TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
    "http://127.0.0.1:7101",
  ),
  WEBHOOK_MAX_BODY_BYTES: int("the largest webhook body accepted, in bytes (Meta: 3 MB)", {
    min: 1024,
    max: 16 * 1024 * 1024,
  }).default(3 * 1024 * 1024),
  MAX_INBOUND_AGE_SECONDS: int("messages sent longer ago than this are stored as stale (never answered)", {
    min: 1,
  }).default(24 * 3600),
  CHANNEL_CACHE_TTL_MS: int("how long a resolved channel is reused from memory", { min: 0 }).default(30_000),
  CHANNEL_NEGATIVE_CACHE_TTL_MS: int("how long an unknown channel id is remembered as unknown", {
    min: 0,
  }).default(5_000),
  SWEEP_QUEUED_AFTER_MS: int("deliveries queued for longer than this are republished by the sweeper", {
    min: 100,
  }).default(30_000),
  SWEEP_INTERVAL_MS: int("the pause between two sweeps of queued deliveries", { min: 10 }).default(10_000),
};

export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  databaseUrl: string;
  /** When set, migrations run at start as this (owner) role. */
  migrationDatabaseUrl?: string;
  redisUrl: string;
  natsUrl: string;
  busNamespace?: string;
  redisKeyPrefix: string;
  tenantServiceUrl: string;
  webhookMaxBodyBytes: number;
  maxInboundAgeSeconds: number;
  channelCacheTtlMs: number;
  channelNegativeCacheTtlMs: number;
  sweepQueuedAfterMs: number;
  sweepIntervalMs: number;
}

/** Reads and checks the environment; throws one ConfigError naming every bad variable. */
export function readIngressConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const c = readConfig(ingressConfigSpec, env);
  return {
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    otelExporter: c.OTEL_EXPORTER,
    databaseUrl: c.DATABASE_URL,
    ...(c.MIGRATION_DATABASE_URL === undefined ? {} : { migrationDatabaseUrl: c.MIGRATION_DATABASE_URL }),
    redisUrl: c.REDIS_URL,
    natsUrl: c.NATS_URL,
    ...(c.BUS_NAMESPACE === undefined ? {} : { busNamespace: c.BUS_NAMESPACE }),
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    tenantServiceUrl: c.TENANT_SERVICE_URL,
    webhookMaxBodyBytes: c.WEBHOOK_MAX_BODY_BYTES,
    maxInboundAgeSeconds: c.MAX_INBOUND_AGE_SECONDS,
    channelCacheTtlMs: c.CHANNEL_CACHE_TTL_MS,
    channelNegativeCacheTtlMs: c.CHANNEL_NEGATIVE_CACHE_TTL_MS,
    sweepQueuedAfterMs: c.SWEEP_QUEUED_AFTER_MS,
    sweepIntervalMs: c.SWEEP_INTERVAL_MS,
  };
}
