import {
  commonConfigSpec,
  type LogLevel,
  type OtelExporter,
  readConfig,
  str,
  url,
} from "@atendo/service-kit";

// The assistant service keeps no state in Redis: its caches are per process (see README).
const { REDIS_URL: _redis, ...common } = commonConfigSpec("assistant", { PORT: 7104 });

const spec = {
  ...common,
  BUS_NAMESPACE: str("a prefix isolating this deployment's NATS subjects and streams (tests)").optional(),
  TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
    "http://127.0.0.1:7101",
  ),
};

/** What the assistant service needs to start; built from the environment or by tests. */
export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  /** The service's login role (atendo_assistant). */
  databaseUrl: string;
  /** The schema owner (atendo_owner); when set, migrations run at start. */
  migrationDatabaseUrl?: string;
  natsUrl: string;
  busNamespace?: string;
  tenantServiceUrl: string;
}

/** Reads the configuration from the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const c = readConfig(spec, env);
  return {
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    otelExporter: c.OTEL_EXPORTER,
    databaseUrl: c.DATABASE_URL,
    ...(c.MIGRATION_DATABASE_URL === undefined ? {} : { migrationDatabaseUrl: c.MIGRATION_DATABASE_URL }),
    natsUrl: c.NATS_URL,
    ...(c.BUS_NAMESPACE === undefined ? {} : { busNamespace: c.BUS_NAMESPACE }),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
  };
}
