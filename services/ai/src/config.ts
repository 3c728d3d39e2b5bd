import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  commonConfigOf,
  commonConfigSpec,
  int,
  type OutboxConfig,
  outboxConfigOf,
  outboxConfigSpec,
  readConfig,
  str,
  url,
} from "@atendo/service-kit";
import { DEFAULT_HANDOFF_KEYWORDS } from "./domain/handoff.js";

const HTTP = { protocols: ["http:", "https:"] };
type Env = Readonly<Record<string, string | undefined>>;

const spec = (env: Env) => ({
  // The ai service keeps no state in Redis: its caches are per process (see README).
  ...commonConfigSpec("ai", { PORT: 7105 }),
  ...authConfigSpec("ai", env),
  ...outboxConfigSpec(),
  TENANT_SERVICE_URL: url(
    "the base URL of the tenant service (token keys, API keys, workspaces)",
    HTTP,
  ).default("http://127.0.0.1:7101"),
  ASSISTANT_SERVICE_URL: url("the base URL of the assistant service", HTTP).default("http://127.0.0.1:7104"),
  CONVERSATION_SERVICE_URL: url("the base URL of the conversation service", HTTP).default(
    "http://127.0.0.1:7103",
  ),
  ASSISTANT_CACHE_TTL_MS: int(
    "how long an assistant looked up by channel is reused, in ms (an AssistantConfigured drops it at once)",
    {
      min: 0,
      max: 600_000,
    },
  ).default(5_000),
  PLAN_LIMITS_CACHE_TTL_MS: int(
    "how long a tenant's plan limits (monthly AI messages) are reused before asking the tenant service again, in ms (a TenantUpdated drops them at once)",
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

/** What the ai service needs to start; built from the environment or by tests. */
export interface Config extends CommonConfig, AuthConfig, OutboxConfig {
  tenantServiceUrl: string;
  assistantServiceUrl: string;
  conversationServiceUrl: string;
  assistantCacheTtlMs: number;
  /** How long a tenant's plan limits are reused unless a TenantUpdated drops them first. */
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
    ...commonConfigOf(c),
    ...authConfigOf(c),
    ...outboxConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
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
