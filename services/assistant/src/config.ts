import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  commonConfigOf,
  commonConfigSpec,
  type OutboxConfig,
  outboxConfigOf,
  outboxConfigSpec,
  readConfig,
  url,
} from "@atendo/service-kit";

type Env = Readonly<Record<string, string | undefined>>;

function spec(env: Env) {
  // The assistant service keeps no state in Redis: its caches are per process (see README).
  return {
    ...commonConfigSpec("assistant", { PORT: 7104 }),
    ...authConfigSpec("assistant", env),
    ...outboxConfigSpec(),
    TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
      "http://127.0.0.1:7101",
    ),
  };
}

/** What the assistant service needs to start; built from the environment or by tests. */
export interface Config extends CommonConfig, AuthConfig, OutboxConfig {
  tenantServiceUrl: string;
}

/** Reads the configuration from the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const c = readConfig(spec(env), env);
  return {
    ...commonConfigOf(c),
    ...authConfigOf(c),
    ...outboxConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
  };
}
