import { randomBytes, randomInt } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { MediaService, WebhookService, WidgetService } from "@atendo/proto/ingress/v1";
import { createLogger, type Logger } from "@atendo/telemetry";
import {
  type ClientsOf,
  clientsFor,
  createIdentityKit,
  type IdentityKit,
  type Owner as IdentityOwner,
  readFixture,
  signMeta,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueNamespace,
} from "@atendo/testing";
import { startTenantForTests } from "@atendo/testing/tenant";
import { Redis } from "ioredis";
import { type Config, loadConfig, start } from "../../src/main.js";
import { PHONE_NUMBER_ID } from "./whatsapp-payloads.js";

const INGRESS_SERVICES = { webhooks: WebhookService, widget: WidgetService, media: MediaService } as const;

/** Clients of the tenant service and of ingress, all sending one credential (or none). */
export type Clients = ClientsOf<typeof INGRESS_SERVICES> & TenantClients;

/** A signed-up owner: their tenant, first workspace and clients. */
export type Owner = IdentityOwner<Clients>;

export interface TestChannel {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  /** The owner of the channel's tenant. */
  owner: Owner;
}

export interface Harness {
  env: ReturnType<typeof testEnv>;
  logger: Logger;
  /** Namespace of the tenant service and of the main ingress instance (bus and Redis prefix). */
  namespace: string;
  /** AUTH_ISSUER of the run's tenant service and ingress. */
  issuer: string;
  tenantUrl: string;
  ingressUrl: string;
  /** Clients of the platform admin (suspends and reactivates tenants). */
  admin: Clients;
  /** Owners, members, API keys and service tokens issued by the run's tenant service. */
  identity: IdentityKit<Clients>;
  /** Clients sending no credentials. */
  anonymous: Clients;
  /** Clients sending `Authorization: Bearer <credential>`. */
  as(credential: string): Clients;
  /** A bus on `namespace`, to read what ingress published. */
  bus: Bus;
  /** A Redis client without key prefix, to look at what ingress stored. */
  redis: Redis;
  /** Config of an ingress instance on the test stack (used for extra instances). */
  ingressConfig(overrides?: Partial<Config>): Config;
  /** An active WhatsApp channel, in a new tenant unless `owner` is given. */
  createChannel(init?: { appSecret?: string; owner?: Owner; workspaceId?: string }): Promise<TestChannel>;
  stop(): Promise<void>;
}

/** The real tenant service and ingress, in process, on the real Postgres, Redis and NATS. */
export async function startHarness(
  extraIngress: Record<string, string> = {},
  /** More variables of the tenant service (e.g. the Graph base URLs of a local fake). */
  extraTenant: Record<string, string> = {},
): Promise<Harness> {
  const env = testEnv();
  const namespace = uniqueNamespace("ingress");
  // INGRESS_TEST_LOG_LEVEL=debug shows what the services do during a failing test.
  const level = process.env.INGRESS_TEST_LOG_LEVEL === "debug" ? "debug" : "error";
  const logger = createLogger({ service: "ingress-test", level });
  const tenant = await startTenantForTests({ namespace, logger, env: extraTenant });
  const { url: tenantUrl, issuer, adminEmail } = tenant;
  const baseConfig = loadConfig({
    PORT: "0",
    LOG_LEVEL: level,
    DATABASE_URL: env.appUrl("ingress"),
    MIGRATION_DATABASE_URL: env.ownerUrl,
    REDIS_URL: env.redisUrl,
    NATS_URL: env.natsUrl,
    BUS_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:`,
    TENANT_SERVICE_URL: tenantUrl,
    AUTH_ISSUER: issuer,
    CHANNEL_CACHE_KEY: randomBytes(32).toString("base64"),
    // Long enough that this instance never sweeps rows another test keeps queued on purpose.
    SWEEP_QUEUED_AFTER_MS: "30000",
    SWEEP_INTERVAL_MS: "10000",
    // No conversation service unless a test starts one (widget-conversation.spec.ts): StartSession
    // then answers without a conversation id.
    CONVERSATION_SERVICE_URL: "http://127.0.0.1:1",
    ...extraIngress,
  });
  const ingressConfig = (overrides: Partial<Config> = {}): Config => ({ ...baseConfig, ...overrides });
  const ingress = await start(ingressConfig(), { logger });
  const ingressUrl = `http://127.0.0.1:${ingress.port}`;
  const bus = await connectBus({ servers: env.natsUrl, name: "ingress-test", logger, namespace });
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 2 });

  const as = (credential?: string): Clients => ({
    ...clientsFor(tenantUrl, credential, TENANT_SERVICES),
    ...clientsFor(ingressUrl, credential, INGRESS_SERVICES),
  });
  const identity = createIdentityKit({ tenantUrl, clients: as, platformAdmin: { email: adminEmail } });
  const admin = await identity.platformAdmin();

  return {
    env,
    logger,
    namespace,
    issuer,
    tenantUrl,
    ingressUrl,
    admin: admin.clients,
    identity,
    anonymous: as(),
    as,
    bus,
    redis,
    ingressConfig,
    async createChannel(init = {}) {
      const owner = init.owner ?? (await identity.signUpOwner());
      const workspaceId = init.workspaceId ?? owner.workspaceId;
      const phoneNumberId = randomDigits(15);
      const appSecret = init.appSecret ?? `app-secret-${randomBytes(8).toString("hex")}`;
      const verifyToken = `verify-${randomBytes(8).toString("hex")}`;
      const accessToken = `EAAG-${randomBytes(8).toString("hex")}`;
      const { channel } = await owner.clients.channels.createChannel({
        workspaceId,
        // Names are unique per workspace.
        name: `WhatsApp ${phoneNumberId.slice(-6)}`,
        config: {
          case: "whatsapp",
          value: {
            phoneNumberId,
            wabaId: randomDigits(15),
            displayPhoneNumber: "+1 555 0001111",
            accessToken,
            appSecret,
            verifyToken,
          },
        },
      });
      return {
        tenantId: owner.tenantId,
        workspaceId,
        channelId: channel?.id ?? "",
        phoneNumberId,
        appSecret,
        verifyToken,
        accessToken,
        owner,
      };
    },
    async stop() {
      await ingress.stop();
      await tenant.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/**
 * A fixture as Meta would send it to this channel's number: the same bytes with the fixtures'
 * phone_number_id replaced by one of the same length (so each test owns its number).
 */
export function fixtureFor(channel: TestChannel, name: string): Buffer {
  if (channel.phoneNumberId.length !== PHONE_NUMBER_ID.length)
    throw new Error("phone ids must have the same length");
  return Buffer.from(
    readFixture(name).toString("latin1").replaceAll(PHONE_NUMBER_ID, channel.phoneNumberId),
    "latin1",
  );
}

/** Replaces the fixtures' number in a synthetic body too. */
export function forChannel(channel: TestChannel, body: Buffer): Buffer {
  return Buffer.from(body.toString("latin1").replaceAll(PHONE_NUMBER_ID, channel.phoneNumberId), "latin1");
}

export function postWebhook(
  baseUrl: string,
  channelId: string,
  body: Uint8Array,
  signature: string | undefined,
  type: "whatsapp" | "instagram" = "whatsapp",
): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/${type}/${channelId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
    },
    body,
  });
}

/** Posts a body signed with the channel's app secret. */
export function postSigned(baseUrl: string, channel: TestChannel, body: Buffer): Promise<Response> {
  return postWebhook(baseUrl, channel.channelId, body, signMeta(channel.appSecret, body));
}

function randomDigits(length: number): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}
