import {
  authConfigSpec,
  commonConfigSpec,
  int,
  type LogLevel,
  type OtelExporter,
  readConfig,
  type Secret,
  str,
  url,
} from "@atendo/service-kit";
import { DEFAULT_HANDOFF_KEYWORDS } from "./domain/handoff.js";

const HTTP = { protocols: ["http:", "https:"] };
type Env = Readonly<Record<string, string | undefined>>;

const spec = (env: Env) => ({
  // The ai service keeps no state in Redis: its caches are per process (see README).
  ...withoutRedis(commonConfigSpec("ai", { PORT: 7105 })),
  ...authConfigSpec("ai", env),
  BUS_NAMESPACE: str("a prefix isolating this deployment's NATS subjects and streams (tests)").optional(),
  TENANT_SERVICE_URL: url(
    "the base URL of the tenant service (token keys, API keys, workspaces)",
    HTTP,
  ).default("http://127.0.0.1:7101"),
  ASSISTANT_SERVICE_URL: url("the base URL of the assistant service", HTTP).default("http://127.0.0.1:7104"),
  CONVERSATION_SERVICE_URL: url("the base URL of the conversation service", HTTP).default(
    "http://127.0.0.1:7103",
  ),
  ASSISTANT_CACHE_TTL_MS: int("how long an assistant looked up by channel is reused, in ms", {
    min: 0,
    max: 600_000,
  }).default(5_000),
  PLAN_LIMITS_CACHE_TTL_MS: int(
    "how long a tenant's plan limits (monthly AI messages) are reused before asking the tenant service again, in ms",
    { min: 0, max: 600_000 },
  ).default(60_000),
  TURN_CONCURRENCY: int("turns answered at once by this process", { min: 1, max: 256 }).default(8),
  TURN_MAX_DELIVER: int("deliveries of a TurnReady before it is dead-lettered", { min: 1, max: 100 }).default(
    5,
  ),
  HISTORY_LIMIT: int("earlier messages given to the model with a turn", { min: 1, max: 200 }).default(30),
  HANDOFF_KEYWORDS: str(
    "comma-separated words with which customers ask for a person (the offline provider hands off on them)",
  ).default(DEFAULT_HANDOFF_KEYWORDS.join(",")),
});

function withoutRedis<T extends { REDIS_URL: unknown }>(common: T): Omit<T, "REDIS_URL"> {
  const { REDIS_URL: _redis, ...rest } = common;
  return rest;
}

/** What the ai service needs to start; built from the environment or by tests. */
export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  otelExporter: OtelExporter;
  /** The service's login role (atendo_ai). */
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
  assistantServiceUrl: string;
  conversationServiceUrl: string;
  assistantCacheTtlMs: number;
  /** How long a tenant's plan limits are reused; a changed limit applies after at most this long. */
  planLimitsCacheTtlMs: number;
  turnConcurrency: number;
  turnMaxDeliver: number;
  historyLimit: number;
  handoffKeywords: readonly string[];
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
    assistantServiceUrl: c.ASSISTANT_SERVICE_URL,
    conversationServiceUrl: c.CONVERSATION_SERVICE_URL,
    assistantCacheTtlMs: c.ASSISTANT_CACHE_TTL_MS,
    planLimitsCacheTtlMs: c.PLAN_LIMITS_CACHE_TTL_MS,
    turnConcurrency: c.TURN_CONCURRENCY,
    turnMaxDeliver: c.TURN_MAX_DELIVER,
    historyLimit: c.HISTORY_LIMIT,
    handoffKeywords: c.HANDOFF_KEYWORDS.split(",")
      .map((k) => k.trim())
      .filter((k) => k !== ""),
  };
}
