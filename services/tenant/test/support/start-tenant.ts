import { randomInt } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { createLogger } from "@atendo/telemetry";
import {
  clientsFor,
  createIdentityKit,
  devMailboxOf,
  type IdentityKit,
  type Mailbox,
  newPassword,
  type Person,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueNamespace,
} from "@atendo/testing";
import { type Argon2Binding, type Email, loadConfig, type RunningService, start } from "../../src/main.js";

export interface TenantHarness extends TenantClients {
  url: string;
  namespace: string;
  /** The platform admin the harness signed up (PLATFORM_ADMIN_EMAILS); the default clients are theirs. */
  admin: Person<TenantClients>;
  /** Owners, members, API keys and service tokens issued by this service, from the harness's address. */
  identity: IdentityKit<TenantClients>;
  /** Clients without credentials. */
  anonymous: TenantClients;
  /** Clients sending `Authorization: Bearer <credential>` (and any extra headers). */
  as(credential: string, headers?: Record<string, string>): TenantClients;
  /** Clients with a service token of `service`, traded for its credential (the development one by default). */
  asService(service: string, credential?: string): Promise<TenantClients>;
  /** Clients of the delivery service (ResolveChannel, SetChannelStatus). */
  delivery: TenantClients;
  /** A bus on the service's namespace, for tests that consume its events. */
  bus: Bus;
  /** Every log line the service wrote (debug and up), kept in memory instead of printed. */
  logs: string[];
  /** Every email the service sent (invitations, verification links), in order. */
  mail: Email[];
  /** The same mail as the identity kit reads it. */
  mailbox: Mailbox;
  /** Restarts the service on the same namespace with other variables (e.g. a rotated key ring). */
  restart(env?: Record<string, string>): Promise<void>;
  /**
   * Another replica of the service in this process: same database, Redis prefix, bus namespace and
   * issuer, its own port and caches (stopped with the harness).
   */
  replica(env?: Record<string, string>): Promise<TenantReplica>;
  stop(): Promise<void>;
}

/** A second process of the same service, as far as its callers can tell. */
export interface TenantReplica {
  url: string;
  /** Clients of this replica sending `Authorization: Bearer <credential>` from the harness's address. */
  as(credential: string): TenantClients;
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
    // The harness's admin, and any address a test lists as well.
    PLATFORM_ADMIN_EMAILS: [adminEmail(namespace), extra.PLATFORM_ADMIN_EMAILS ?? ""]
      .filter((e) => e)
      .join(","),
    // Its own signing keys: the test database is shared, and key rotations or key rings of one run
    // must not reach another's.
    AUTH_ISSUER: `atendo-test-${namespace}`,
    // Every sign-up of a suite comes from the harness's one address.
    SIGNUP_MAX_PER_IP: "100000",
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "PLATFORM_ADMIN_EMAILS")),
  };
}

const adminEmail = (namespace: string) => `admin-${namespace.replace(/_/g, "-")}@example.com`;

/** A random client address, so each test's login failures land in their own per-IP counter. */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** Login headers from a fresh client address (its own per-IP failure counter). */
export const fromNewIp = () => ({ headers: { "x-forwarded-for": randomIp() } });

export async function startTenantForTest(
  extra: Record<string, string> = {},
  options: {
    argon2?: Argon2Binding;
    /**
     * Where mail goes: by default the harness captures it (`mail`); "configured" leaves it to the
     * service's configuration (SMTP_URL, or the development sender and its /dev/mailbox), with
     * `mailbox` (default: the development mailbox) for the identity kit to read.
     */
    mail?: { configured: true; mailbox?: Mailbox };
  } = {},
): Promise<TenantHarness> {
  const namespace = uniqueNamespace("tenant");
  // Kept, not printed: the suite provokes failures on purpose, and tests assert on the lines.
  const logs: string[] = [];
  const logger = createLogger({
    service: "tenant",
    level: "debug",
    destination: { write: (line) => logs.push(line) },
  });
  const mail: Email[] = [];
  const emailSender = { send: async (email: Email) => void mail.push(email) };
  const configured = options.mail?.configured === true;
  const captured: Mailbox = {
    messagesTo: async (address) =>
      mail
        .filter((m) => m.to === address)
        .map((m) => ({ to: m.to, subject: m.subject, text: m.text, links: [m.link] })),
  };
  // Read at each call: a restart moves the development mailbox to another port.
  const mailbox: Mailbox = {
    messagesTo: (address) =>
      (configured ? (options.mail?.mailbox ?? devMailboxOf(url)) : captured).messagesTo(address),
  };
  const boot = (env: Record<string, string>) =>
    start(loadConfig(testVariables(namespace, env)), {
      logger,
      ...(configured ? {} : { emailSender }),
      ...(options.argon2 === undefined ? {} : { argon2: options.argon2 }),
    });
  let service: RunningService = await boot(extra);
  const bus = await connectBus({ servers: testEnv().natsUrl, name: "tenant-test", logger, namespace });
  let url = `http://127.0.0.1:${service.port}`;
  const ip = randomIp();
  const admin = { email: adminEmail(namespace), password: newPassword() };

  // Every call comes from the harness's own address; a header of the call itself still wins.
  const as = (credential?: string, headers: Record<string, string> = {}) =>
    clientsFor(url, credential, TENANT_SERVICES, { headers: { "x-forwarded-for": ip, ...headers } });
  // The identity kit talks to one address: a restart (another port) gets a new one.
  const identityAt = () =>
    createIdentityKit({
      tenantUrl: url,
      clients: as,
      platformAdmin: admin,
      headers: { "x-forwarded-for": ip },
      mailbox,
    });
  let identity = identityAt();
  const replicas: RunningService[] = [];
  const adminIdentity = await identity.platformAdmin();
  const deliveryToken = await identity.serviceToken("delivery");
  const harness: TenantHarness = {
    url,
    namespace,
    admin: adminIdentity,
    identity,
    ...as(adminIdentity.accessToken),
    anonymous: as(),
    as,
    asService: async (name, credential) => as(await identity.serviceToken(name, credential)),
    delivery: as(deliveryToken),
    bus,
    logs,
    mail,
    mailbox,
    async restart(env = {}) {
      await service.stop();
      service = await boot(env);
      url = `http://127.0.0.1:${service.port}`;
      harness.url = url;
      identity = identityAt();
      harness.identity = identity;
      Object.assign(harness, as(adminIdentity.accessToken));
      harness.delivery = as(deliveryToken);
      harness.anonymous = as();
    },
    async replica(env = {}) {
      const running = await boot({ ...extra, ...env });
      replicas.push(running);
      const replicaUrl = `http://127.0.0.1:${running.port}`;
      return {
        url: replicaUrl,
        as: (credential) =>
          clientsFor(replicaUrl, credential, TENANT_SERVICES, { headers: { "x-forwarded-for": ip } }),
        stop: () => running.stop(),
      };
    },
    async stop() {
      await Promise.all(replicas.map((r) => r.stop()));
      await service.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
  return harness;
}

/** Random digits for Meta ids (phone_number_id, account ids are unique across every tenant). */
export function randomDigits(length = 15): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}
