import { connectBus } from "@atendo/bus";
import { createDb, createInbox, createRetentionJob, roleFromUrl, runMigrations } from "@atendo/db";
import { ChannelDirectoryService } from "@atendo/proto/tenant/v1";
import {
  busOptionsOf,
  createLifecycle,
  createRedis,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createOutboundSender } from "./adapters/outbound-sender.js";
import { createWhatsAppGraph } from "./adapters/whatsapp-graph.js";
import { createChannelDirectory } from "./clients/tenant-channels.js";
import { type Config, readConfig } from "./config.js";
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

export { type Config, readConfig } from "./config.js";

export interface RunningService {
  port: number;
  /** One pass of the held-message reconciler now (the timer runs one every HELD_RECONCILE_INTERVAL_MS). */
  reconcileHeld(): Promise<TenantReconciled[]>;
  stop(): Promise<void>;
}

const SCHEMA = "delivery";
// Calls to the tenant service sit on the send path: fail fast, the bus retries.
const TENANT_TIMEOUT_MS = 5_000;

/**
 * Starts the delivery service: migrations (when configured), adapters, retention, the listeners of
 * access and channel changes, server, consumers.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: "delivery", level: config.logLevel });
  logger.info({ config: redactConfig({ ...config }) }, "starting");

  if (config.migrationDatabaseUrl !== undefined) {
    await runMigrations({
      ownerUrl: config.migrationDatabaseUrl,
      schema: SCHEMA,
      appRole: roleFromUrl(config.databaseUrl),
      migrations,
      logger,
    });
  }

  // Stop steps run in reverse order of registration: reconciler, server, consumers, listeners, auth,
  // bus, redis, retention, db.
  const steps: Array<{ name: string; run: () => Promise<void> }> = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const step of steps.splice(0).reverse()) {
        try {
          await step.run();
        } catch (err) {
          logger.error({ err, step: step.name }, "stop step failed");
        }
      }
    })();
    return stopping;
  };
  try {
    const db = await createDb({
      url: config.databaseUrl,
      schema: SCHEMA,
      entities: [DeliveryEntity, AttemptEntity],
      logger,
    });
    steps.push({ name: "db", run: () => db.close() });
    // Inbox rows only: deliveries and attempts are the tenants' history and stay.
    const retention = createRetentionJob({
      db,
      tasks: [{ schema: SCHEMA, table: "processed_events" }],
      logger,
      ...config.retention,
    });
    retention.start();
    steps.push({ name: "retention", run: () => retention.stop() });
    // The send pacer builds its keys with REDIS_KEY_PREFIX itself.
    const redis = createRedis(config, { name: "delivery", logger, prefixKeys: false });
    await redis.connect();
    steps.push({ name: "redis", run: async () => void (await redis.quit()) });
    const bus = await connectBus(busOptionsOf(config, "delivery", logger));
    steps.push({ name: "bus", run: () => bus.close() });
    await bus.ensureStream({ domain: "delivery" });

    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: "delivery",
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
      timeoutMs: TENANT_TIMEOUT_MS,
    });
    steps.push({ name: "auth", run: async () => auth.close() });
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
    const pacer = createSendPacer({
      redis,
      keyPrefix: config.redisKeyPrefix,
      pairUnitMs: config.pairRateLimitUnitMs,
    });
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
    const listeners = [
      await watchAccessChanges({ bus, auth, logger }),
      await listenToChannelChanges({ bus, channels, logger }),
    ];
    steps.push({
      name: "listeners",
      run: async () => {
        await Promise.all(listeners.map((l) => l.stop()));
      },
    });
    const consumers: Array<{ stop(): Promise<void> }> = [];
    steps.push({
      name: "consumers",
      run: async () => {
        await Promise.all(consumers.map((c) => c.stop()));
      },
    });
    const server = buildServer({ logger, db, bus, redis, auth });
    const port = await server.listen(config.port, config.host);
    steps.push({ name: "server", run: () => server.close() });

    const outbound = await startOutboundCreatedConsumer({
      db,
      bus,
      inbox,
      pacer,
      attemptSend,
      settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, ackWaitMs, retry },
    });
    consumers.push(outbound);
    const receipts = await startStatusReceivedConsumer({
      db,
      bus,
      inbox,
      settings: {
        concurrency: config.concurrency,
        maxDeliver: config.maxDeliver,
        unknownGraceMs: config.statusUnknownGraceMs,
        retry,
      },
    });
    consumers.push(receipts);
    const leaseMs = leaseOf(ackWaitMs);
    const resumeHeld = createResumeHeld({
      db,
      bus,
      pacer,
      attemptSend,
      settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, leaseMs },
    });
    const reactivations = await startTenantReactivatedConsumer({
      bus,
      resumeOnReactivation: createResumeOnReactivation({
        db,
        resumeHeld,
        settings: { maxDeliver: config.maxDeliver, leaseMs },
      }),
      settings: { concurrency: config.concurrency, maxDeliver: config.maxDeliver, ackWaitMs, retry },
    });
    consumers.push(reactivations);
    // The event may never come (lost, or handled while a send was in flight): look again periodically.
    const reconciler = createHeldReconciler({
      db,
      channels,
      resumeHeld,
      logger,
      intervalMs: config.heldReconcileIntervalMs,
    });
    reconciler.start();
    steps.push({ name: "reconciler", run: () => reconciler.stop() });
    logger.info({ port }, "delivery service listening");
    return { port, reconcileHeld: () => reconciler.reconcileOnce(), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.main) {
  const config = readConfig();
  const telemetry = startTelemetry({ service: "delivery", exporter: config.otelExporter });
  const logger = createLogger({ service: "delivery", level: config.logLevel });
  const svc = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => svc.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
