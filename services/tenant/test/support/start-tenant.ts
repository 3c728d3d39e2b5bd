import { randomBytes, randomInt } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { ApiKeyService, AuthService, ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import type { Client, Interceptor } from "@connectrpc/connect";
import { loadConfig, type OutgoingInvitation, type RunningService, start } from "../../src/main.js";

/** Clients of the four services of the tenant process, all sending the same credentials. */
export interface Clients {
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  auth: Client<typeof AuthService>;
  apiKeys: Client<typeof ApiKeyService>;
}

export interface TenantHarness extends Clients {
  url: string;
  namespace: string;
  /** The platform admin the harness signed up (PLATFORM_ADMIN_EMAILS); the default clients are theirs. */
  admin: { email: string; password: string; userId: string; tenantId: string; accessToken: string };
  /** Clients without credentials. */
  anonymous: Clients;
  /** Clients sending `Authorization: Bearer <credential>` (and any extra headers). */
  as(credential: string, headers?: Record<string, string>): Clients;
  /** Clients with a service token of `service`, traded for its credential (the development one by default). */
  asService(service: string, credential?: string): Promise<Clients>;
  /** Clients of the delivery service (ResolveChannel, SetChannelStatus). */
  delivery: Clients;
  /** A bus on the service's namespace, for tests that consume its events. */
  bus: Bus;
  /** Every log line the service wrote (debug and up), kept in memory instead of printed. */
  logs: string[];
  /** Invitations handed to the sender, in order. */
  invitations: OutgoingInvitation[];
  /** Restarts the service on the same namespace with other variables (e.g. a rotated key ring). */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** The environment a test run gives the service: the real stack, a random port and namespace. */
export function testVariables(namespace: string, extra: Record<string, string> = {}): Record<string, string> {
  const env = testEnv();
  return {
    DATABASE_URL: env.appUrl("tenant"),
    MIGRATION_DATABASE_URL: env.ownerUrl,
    REDIS_URL: env.redisUrl,
    NATS_URL: env.natsUrl,
    PORT: "0",
    BUS_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:`,
    // Tests point channels at local fakes; production keeps the default "deny".
    GRAPH_BASE_URL_OVERRIDES: "allow",
    PLATFORM_ADMIN_EMAILS: adminEmail(namespace),
    // Its own signing keys: the test database is shared, and key rotations or key rings of one run
    // must not reach another's.
    AUTH_ISSUER: `atendo-test-${namespace}`,
    ...extra,
  };
}

const adminEmail = (namespace: string) => `admin-${namespace.replace(/_/g, "-")}@example.com`;

/** A random client address, so each test's login failures land in their own per-IP counter. */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

function headerInterceptor(headers: Record<string, string>): Interceptor {
  return (next) => (req) => {
    // Headers given to the call itself win (a test's own client address, say).
    for (const [name, value] of Object.entries(headers))
      if (!req.header.has(name)) req.header.set(name, value);
    return next(req);
  };
}

function clientsAt(url: string, headers: Record<string, string>): Clients {
  const options = { interceptors: [headerInterceptor(headers)] };
  return {
    tenants: createServiceClient(TenantService, url, options),
    channels: createServiceClient(ChannelService, url, options),
    auth: createServiceClient(AuthService, url, options),
    apiKeys: createServiceClient(ApiKeyService, url, options),
  };
}

export async function startTenantForTest(extra: Record<string, string> = {}): Promise<TenantHarness> {
  const namespace = uniqueNamespace("tenant");
  // Kept, not printed: the suite provokes failures on purpose, and tests assert on the lines.
  const logs: string[] = [];
  const logger = createLogger({
    service: "tenant",
    level: "debug",
    destination: { write: (line) => logs.push(line) },
  });
  const invitations: OutgoingInvitation[] = [];
  const invitationSender = { send: async (i: OutgoingInvitation) => void invitations.push(i) };
  const boot = (env: Record<string, string>) =>
    start(loadConfig(testVariables(namespace, env)), { logger, invitationSender });
  let service: RunningService = await boot(extra);
  const bus = await connectBus({ servers: testEnv().natsUrl, name: "tenant-test", logger, namespace });
  let url = `http://127.0.0.1:${service.port}`;
  const ip = randomIp();

  const admin = {
    email: adminEmail(namespace),
    password: `admin-password-${randomBytes(8).toString("hex")}`,
  };
  const signedUp = await clientsAt(url, { "x-forwarded-for": ip }).auth.signUp({
    email: admin.email,
    password: admin.password,
    name: "Platform Admin",
    tenantName: "Platform",
  });
  const adminIdentity = {
    ...admin,
    userId: signedUp.user?.id ?? "",
    tenantId: signedUp.tenant?.id ?? "",
    accessToken: signedUp.tokens?.accessToken ?? "",
  };

  const as = (credential: string, headers: Record<string, string> = {}) =>
    clientsAt(url, { authorization: `Bearer ${credential}`, "x-forwarded-for": ip, ...headers });
  const serviceToken = async (name: string, credential = `dev-service-credential-${name}`) =>
    (await clientsAt(url, {}).auth.issueServiceToken({ service: name, credential })).serviceToken;
  const deliveryToken = await serviceToken("delivery");
  const harness: TenantHarness = {
    url,
    namespace,
    admin: adminIdentity,
    ...as(adminIdentity.accessToken),
    anonymous: clientsAt(url, { "x-forwarded-for": ip }),
    as,
    asService: async (name, credential) => as(await serviceToken(name, credential)),
    delivery: as(deliveryToken),
    bus,
    logs,
    invitations,
    async restart(env = {}) {
      await service.stop();
      service = await boot(env);
      url = `http://127.0.0.1:${service.port}`;
      harness.url = url;
      Object.assign(harness, as(adminIdentity.accessToken));
      harness.delivery = as(deliveryToken);
      harness.anonymous = clientsAt(url, { "x-forwarded-for": ip });
    },
    async stop() {
      await service.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
  return harness;
}

/** A slug no other test run uses. */
export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** An email no other test run uses. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}@example.com`;
}

/** Random digits for Meta ids (phone_number_id, account ids are unique across every tenant). */
export function randomDigits(length = 15): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}
