import { connectBus } from "@atendo/bus";
import { createDb, createInbox, createRetentionJob, roleFromUrl, runMigrations } from "@atendo/db";
import { ChannelDirectoryService } from "@atendo/proto/tenant/v1";
import {
  busOptionsOf,
  closeRedis,
  connectRedis,
  createResources,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  runService,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createOutboundSender } from "./adapters/outbound-sender.js";
import { createWhatsAppGraph } from "./adapters/whatsapp-graph.js";
import { createChannelDirectory } from "./clients/tenant-channels.js";
import { type Config, loadConfig } from "./config.js";
import { listenToChannelChanges } from "./consumers/channel-changes.js";
import { leaseOf, startOutboundCreatedConsumer } from "./consumers/outbound-created.js";
import { startStatusReceivedConsumer } from "./consumers/status-received.js";
import { startTenantReactivatedConsumer } from "./consumers/tenant-reactivated.js";
import { createSendPacer } from "./pacing/send-pacer.js";
import { createAttemptSend } from "./sending/attempt-send.js";
import { createHeldReconciler, type TenantReconciled } from "./sending/held-reconciler.js";
import { createResumeHeld } from "./sending/resume-held.js";
import { createResumeOnReactivation } from "./sending/resume-on-reactivation.js";
import { buildServer } from "./server.js";
import { AttemptEntity } from "./store/attempt-entity.js";
import { DeliveryEntity } from "./store/delivery-entity.js";

export { type Config, loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  /** One pass of the held-message reconciler now (the timer runs one every HELD_RECONCILE_INTERVAL_MS). */
  reconcileHeld(): Promise<TenantReconciled[]>;
  stop(): Promise<void>;
}

const SERVICE = "delivery";
const SCHEMA = "delivery";
// Calls to the tenant service sit on the send path: fail fast, the bus retries.
const TENANT_TIMEOUT_MS = 5_000;

/**
 * Starts the delivery service: migrations (when configured), adapters, retention, the listeners of
 * access and channel changes, consumers, the held-message reconciler, server. `stop()` closes them
 * in reverse.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: SERVICE, level: config.logLevel });
  logger.info({ config: redactConfig({ ...config }) }, "starting");
  const resources = createResources(logger);
  return resources.guard(async () => {
    if (config.migrationDatabaseUrl !== undefined) {
      await runMigrations({
        ownerUrl: config.migrationDatabaseUrl,
        schema: SCHEMA,
        appRole: roleFromUrl(config.databaseUrl),
        migrations,
        logger,
      });
    }
    const db = await resources.open("db", () =>
      createDb({
        url: config.databaseUrl,
        schema: SCHEMA,
        entities: [DeliveryEntity, AttemptEntity],
        logger,
      }),
    );
    // Inbox rows only: deliveries and attempts are the tenants' history and stay.
    const retention = createRetentionJob({
      db,
      tasks: [{ schema: SCHEMA, table: "processed_events" }],
      logger,
      ...config.retention,
    });
    retention.start();
    resources.onClose("retention", () => retention.stop());
    const redis = await resources.open(
      "redis",
      () => connectRedis(config, { name: SERVICE, logger }),
      closeRedis,
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    await bus.ensureStream({ domain: SERVICE });

    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: SERVICE,
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
      timeoutMs: TENANT_TIMEOUT_MS,
    });
    resources.onClose("auth", () => auth.close());
    // ResolveChannel and SetChannelStatus are internal: delivery calls them as itself.
    const channels = createChannelDirectory({
      client: createServiceClient(ChannelDirectoryService, config.tenantServiceUrl, {
        timeoutMs: TENANT_TIMEOUT_MS,
        credentials: auth.serviceTokens,
      }),
      ttlMs: config.channelCacheTtlMs,
    });
    const inbox = createInbox(SCHEMA);
    const retry = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };
    // A send may call the Graph API twice (token refresh after error 190).
    const ackWaitMs = Math.max(30_000, 2 * config.graphTimeoutMs + TENANT_TIMEOUT_MS * 2);
    const pacer = createSendPacer({ redis, pairUnitMs: config.pairRateLimitUnitMs });
    const attemptSend = createAttemptSend({
      db,
      bus,
      pacer,
      channels,
      retry,
      sender: createOutboundSender({
        channels,
        whatsapp: createWhatsAppGraph({ timeoutMs: config.graphTimeoutMs }),
      }),
      now: () => new Date(),
    });

    // Every replica hears these (not one of them): revoked keys and suspended tenants are refused,
    // changed channels forgotten, before the first request or send.
    await resources.open(
      "access watch",
      () => watchAccessChanges({ bus, auth, logger }),
      (watch) => watch.stop(),
    );
    await resources.open(
      "channel changes",
      () => listenToChannelChanges({ bus, channels, logger }),
      (listener) => listener.stop(),
    );
    const server = buildServer({ logger, db, bus, redis, auth });
    await resources.open(
      "outbound consumer",
      () =>
        startOutboundCreatedConsumer({
          db,
          bus,
          inbox,
          pacer,
          attemptSend,
          settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, ackWaitMs, retry },
        }),
      (consumer) => consumer.stop(),
    );
    await resources.open(
      "status consumer",
      () =>
        startStatusReceivedConsumer({
          db,
          bus,
          inbox,
          settings: {
            concurrency: config.concurrency,
            maxDeliver: config.maxDeliver,
            unknownGraceMs: config.statusUnknownGraceMs,
            retry,
          },
        }),
      (consumer) => consumer.stop(),
    );
    const leaseMs = leaseOf(ackWaitMs);
    const resumeHeld = createResumeHeld({
      db,
      bus,
      pacer,
      attemptSend,
      settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, leaseMs },
    });
    await resources.open(
      "reactivation consumer",
      () =>
        startTenantReactivatedConsumer({
          bus,
          resumeOnReactivation: createResumeOnReactivation({
            db,
            resumeHeld,
            settings: { maxDeliver: config.maxDeliver, leaseMs },
          }),
          settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, ackWaitMs, retry },
        }),
      (consumer) => consumer.stop(),
    );
    // The event may never come (lost, or handled while a send was in flight): look again periodically.
    const reconciler = createHeldReconciler({
      db,
      channels,
      resumeHeld,
      logger,
      intervalMs: config.heldReconcileIntervalMs,
    });
    reconciler.start();
    resources.onClose("reconciler", () => reconciler.stop());
    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    logger.info({ port }, "delivery service listening");
    return { port, reconcileHeld: () => reconciler.reconcileOnce(), stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
