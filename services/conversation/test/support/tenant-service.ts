// The real tenant service, in-process on the conversation test's namespace: it signs the tokens the
// conversation service checks, introspects API keys and answers workspace lookups.
import { randomBytes } from "node:crypto";
import type { Logger } from "@atendo/telemetry";
import { loadConfig, start } from "@atendo/tenant";
import { testEnv } from "@atendo/testing";

export interface TestTenantService {
  url: string;
  /** The `iss` of its tokens: the conversation service must be configured with the same. */
  issuer: string;
  /** Signs up with this email to be a platform admin. */
  adminEmail: string;
  stop(): Promise<void>;
}

export async function startTenantService(namespace: string, logger: Logger): Promise<TestTenantService> {
  const t = testEnv();
  // Its own issuer, hence its own signing keys: the test database is shared with other runs.
  const issuer = `atendo-test-${namespace}`;
  const adminEmail = `admin-${randomBytes(6).toString("hex")}@example.com`;
  const tenant = await start(
    loadConfig({
      PORT: "0",
      DATABASE_URL: t.appUrl("tenant"),
      MIGRATION_DATABASE_URL: t.ownerUrl,
      REDIS_URL: t.redisUrl,
      REDIS_KEY_PREFIX: `${namespace}:tenant:`,
      NATS_URL: t.natsUrl,
      BUS_NAMESPACE: namespace,
      AUTH_ISSUER: issuer,
      PLATFORM_ADMIN_EMAILS: adminEmail,
      LOG_LEVEL: "silent",
    }),
    // Invitations are accepted with the token InviteMember answers; nothing to send (or print).
    { logger, invitationSender: { send: async () => {} } },
  );
  return { url: `http://127.0.0.1:${tenant.port}`, issuer, adminEmail, stop: () => tenant.stop() };
}
