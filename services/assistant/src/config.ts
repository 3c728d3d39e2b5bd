import {
  authConfigSpec,
  commonConfigSpec,
  type LogLevel,
  type OtelExporter,
  readConfig,
  type Secret,
  str,
  url,
} from "@atendo/service-kit";

type Env = Readonly<Record<string, string | undefined>>;

function spec(env: Env) {
  // The assistant service keeps no state in Redis: its caches are per process (see README).
  const { REDIS_URL: _redis, ...common } = commonConfigSpec("assistant", { PORT: 7104 });
  return {
    ...common,
    ...authConfigSpec("assistant", env),
    BUS_NAMESPACE: str("a prefix isolating this deployment's NATS subjects and streams (tests)").optional(),
    TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
      "http://127.0.0.1:7101",
    ),
  };
}

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
  /** Traded for service tokens (AuthService.IssueServiceToken). */
  serviceCredential: Secret;
  /** The issuer (iss) of the tokens this service accepts. */
  authIssuer: string;
}

/** Reads the configuration from the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const c = readConfig(spec(env), env);
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
    serviceCredential: c.SERVICE_CREDENTIAL,
    authIssuer: c.AUTH_ISSUER,
  };
}
