import { randomBytes, randomInt } from "node:crypto";
import { type Bus, connectBus } from "@atendo/bus";
import { WebhookService } from "@atendo/proto/ingress/v1";
import { ChannelService, Plan, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger, type Logger } from "@atendo/telemetry";
import { start as startTenant, loadConfig as tenantConfig } from "@atendo/tenant";
import { readFixture, signMeta, testEnv, uniqueNamespace } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import { type Config, start } from "../../src/main.js";
import { PHONE_NUMBER_ID } from "./whatsapp-payloads.js";

export interface TestChannel {
  tenantId: string;
  workspaceId: string;
  channelId: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
}

export interface Harness {
  env: ReturnType<typeof testEnv>;
  logger: Logger;
  /** Namespace of the tenant service and of the main ingress instance. */
  namespace: string;
  tenantUrl: string;
  ingressUrl: string;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  webhooks: Client<typeof WebhookService>;
  /** A bus on `namespace`, to read what ingress published. */
  bus: Bus;
  /** Config of an ingress instance on the test stack (used for extra instances). */
  ingressConfig(overrides?: Partial<Config>): Config;
  /** A fresh tenant, workspace and active WhatsApp channel. */
  createChannel(init?: { appSecret?: string }): Promise<TestChannel>;
  stop(): Promise<void>;
}

/** The real tenant service and ingress, in process, on the real Postgres, Redis and NATS. */
export async function startHarness(): Promise<Harness> {
  const env = testEnv();
  const namespace = uniqueNamespace("ingress");
  // INGRESS_TEST_LOG_LEVEL=debug shows what the services do during a failing test.
  const level = process.env.INGRESS_TEST_LOG_LEVEL === "debug" ? "debug" : "error";
  const logger = createLogger({ service: "ingress-test", level });
  const tenant = await startTenant(
    tenantConfig({
      DATABASE_URL: env.appUrl("tenant"),
      MIGRATION_DATABASE_URL: env.ownerUrl,
      REDIS_URL: env.redisUrl,
      NATS_URL: env.natsUrl,
      PORT: "0",
      BUS_NAMESPACE: namespace,
      REDIS_KEY_PREFIX: `${namespace}:`,
    }),
    { logger },
  );
  const tenantUrl = `http://127.0.0.1:${tenant.port}`;
  const ingressConfig = (overrides: Partial<Config> = {}): Config => ({
    port: 0,
    host: "127.0.0.1",
    logLevel: level,
    otelExporter: "none",
    databaseUrl: env.appUrl("ingress"),
    migrationDatabaseUrl: env.ownerUrl,
    redisUrl: env.redisUrl,
    natsUrl: env.natsUrl,
    busNamespace: namespace,
    redisKeyPrefix: `${namespace}:`,
    tenantServiceUrl: tenantUrl,
    webhookMaxBodyBytes: 3 * 1024 * 1024,
    maxInboundAgeSeconds: 24 * 3600,
    channelCacheTtlMs: 30_000,
    channelNegativeCacheTtlMs: 5_000,
    // Long enough that this instance never sweeps rows another test keeps queued on purpose.
    sweepQueuedAfterMs: 30_000,
    sweepIntervalMs: 10_000,
    ...overrides,
  });
  const ingress = await start(ingressConfig(), { logger });
  const ingressUrl = `http://127.0.0.1:${ingress.port}`;
  const bus = await connectBus({ servers: env.natsUrl, name: "ingress-test", logger, namespace });
  const tenants = createServiceClient(TenantService, tenantUrl);
  const channels = createServiceClient(ChannelService, tenantUrl);

  return {
    env,
    logger,
    namespace,
    tenantUrl,
    ingressUrl,
    tenants,
    channels,
    webhooks: createServiceClient(WebhookService, ingressUrl),
    bus,
    ingressConfig,
    async createChannel(init = {}) {
      const { tenant: t } = await tenants.createTenant({
        name: "Ingress tests",
        slug: `ingress-${randomBytes(6).toString("hex")}`,
        plan: Plan.PRO,
      });
      const tenantId = t?.id ?? "";
      const { workspace } = await tenants.createWorkspace({ tenantId, name: "Main" });
      const workspaceId = workspace?.id ?? "";
      const phoneNumberId = randomDigits(15);
      const appSecret = init.appSecret ?? `app-secret-${randomBytes(8).toString("hex")}`;
      const verifyToken = `verify-${randomBytes(8).toString("hex")}`;
      const { channel } = await channels.createChannel({
        workspaceId,
        name: "WhatsApp",
        config: {
          case: "whatsapp",
          value: {
            phoneNumberId,
            wabaId: randomDigits(15),
            displayPhoneNumber: "+1 555 0001111",
            accessToken: `EAAG-${randomBytes(8).toString("hex")}`,
            appSecret,
            verifyToken,
          },
        },
      });
      return { tenantId, workspaceId, channelId: channel?.id ?? "", phoneNumberId, appSecret, verifyToken };
    },
    async stop() {
      await ingress.stop();
      await tenant.stop();
      await bus.deleteNamespaceStreams();
      await bus.close();
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
): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/whatsapp/${channelId}`, {
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
