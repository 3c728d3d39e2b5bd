import {
  type AuthConfig,
  authConfigOf,
  authConfigSpec,
  type CommonConfig,
  commonConfigOf,
  commonConfigSpec,
  readConfig,
  url,
} from "@atendo/service-kit";

type Env = Readonly<Record<string, string | undefined>>;

function spec(env: Env) {
  // The assistant service keeps no state in Redis: its caches are per process (see README).
  return {
    ...commonConfigSpec("assistant", { PORT: 7104 }),
    ...authConfigSpec("assistant", env),
    TENANT_SERVICE_URL: url("the base URL of the tenant service", { protocols: ["http:", "https:"] }).default(
      "http://127.0.0.1:7101",
    ),
  };
}

/** What the assistant service needs to start; built from the environment or by tests. */
export interface Config extends CommonConfig, AuthConfig {
  tenantServiceUrl: string;
}

/** Reads the configuration from the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const c = readConfig(spec(env), env);
  return {
    ...commonConfigOf(c),
    ...authConfigOf(c),
    tenantServiceUrl: c.TENANT_SERVICE_URL,
  };
}
