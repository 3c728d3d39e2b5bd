// The real tenant service, in this process on the test stack, for the tests of the services that
// depend on it: it signs the tokens they check, introspects API keys and answers workspace lookups.
// Imported as `@atendo/testing/tenant`, so that the rest of the package does not load the service.
import type { Logger } from "@atendo/telemetry";
import { loadConfig, start } from "@atendo/tenant";
import { testEnv } from "../env.js";

export interface TenantForTestsOptions {
  /** The run's bus namespace (where the service publishes); its Redis keys go under `<namespace>:tenant:`. */
  namespace: string;
  logger: Logger;
  /**
   * The `iss` of its tokens; default `atendo-test-<namespace>`. A run's own issuer means its own
   * signing keys: the test database is shared, another run's keys must not sign for this one.
   */
  issuer?: string;
  /** The address listed in PLATFORM_ADMIN_EMAILS; default `admin-<namespace>@example.com`. */
  adminEmail?: string;
  /** More variables of the service (e.g. GRAPH_BASE_URL_OVERRIDES: "allow" for local fakes). */
  env?: Record<string, string>;
}

export interface TenantForTests {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Configure the services under test with the same AUTH_ISSUER. */
  issuer: string;
  /** Signs up with this address to be the platform admin (the identity kit's `platformAdmin`). */
  adminEmail: string;
  stop(): Promise<void>;
}

/**
 * Starts the tenant service on a free port. Mail goes to its development sender: the identity kit
 * reads the links from its /dev/mailbox.
 */
export async function startTenantForTests(options: TenantForTestsOptions): Promise<TenantForTests> {
  const env = testEnv();
  const { namespace } = options;
  const issuer = options.issuer ?? `atendo-test-${namespace}`;
  const adminEmail = options.adminEmail ?? `admin-${namespace.replace(/_/g, "-")}@example.com`;
  const tenant = await start(
    loadConfig({
      PORT: "0",
      DATABASE_URL: env.appUrl("tenant"),
      MIGRATION_DATABASE_URL: env.ownerUrl,
      REDIS_URL: env.redisUrl,
      REDIS_KEY_PREFIX: `${namespace}:tenant:`,
      NATS_URL: env.natsUrl,
      BUS_NAMESPACE: namespace,
      AUTH_ISSUER: issuer,
      PLATFORM_ADMIN_EMAILS: adminEmail,
      ...options.env,
    }),
    { logger: options.logger },
  );
  return {
    url: `http://127.0.0.1:${tenant.port}`,
    port: tenant.port,
    issuer,
    adminEmail,
    stop: () => tenant.stop(),
  };
}
