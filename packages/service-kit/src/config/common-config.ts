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
 * The variables every service reads. Spread it into the service's own spec:
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
    REDIS_URL: withDefault(url("the Redis URL", { protocols: ["redis:", "rediss:"] }), defaults.REDIS_URL),
    NATS_URL: withDefault(url("the NATS server URL", { protocols: ["nats:", "tls:"] }), defaults.NATS_URL),
  };
}
