import { connectBus } from "@atendo/bus";
import { createDb, createInbox, createRetentionJob, roleFromUrl, runMigrations } from "@atendo/db";
import { ChannelDirectoryService } from "@atendo/proto/tenant/v1";
import {
  busOptionsOf,
  ConfigError,
  createLifecycle,
  createRedis,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, createMetrics, type Logger, startTelemetry } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createChannelDirectory } from "./clients/channel-directory.js";
import { type Config, readIngressConfig } from "./config.js";
import { listenChannelChanges } from "./consumers/channel-cache-listener.js";
import { consumeChannelChanges } from "./consumers/channel-changes.js";
import { parseChannelCacheKey } from "./domain/channel-cache-key.js";
import { createChannelSeal } from "./domain/channel-seal.js";
import { buildServer } from "./server.js";
import { createHeldWebhookEvents } from "./store/held-webhook-events.js";
import { createQueuedWebhookEvents } from "./store/queued-webhook-events.js";
import { createRedisChannelCache } from "./store/redis-channel-cache.js";
import { createRejectedRequestLimiter } from "./store/rejected-request-limiter.js";
import { WebhookEventEntity } from "./store/webhook-event-entity.js";
import { createWebhookEventReader } from "./store/webhook-event-reader.js";
import { createWebhookEventWriter } from "./store/webhook-event-writer.js";
import { createBodyBudget } from "./webhooks/body-budget.js";
import { createDeliveryPublisher } from "./webhooks/delivery-publisher.js";
import { createDeliverySplitter } from "./webhooks/delivery-splitter.js";
import { createHeldReleaser } from "./webhooks/held-releaser.js";
import { createQueuedRowProcessor } from "./webhooks/queued-row-processor.js";
import { createQueuedSweeper } from "./webhooks/queued-sweeper.js";
import { createWebhookMetrics } from "./webhooks/webhook-metrics.js";
import { createWebhookReplayer } from "./webhooks/webhook-replayer.js";
import { createWhatsAppReceiver } from "./webhooks/whatsapp-receiver.js";
import { createWhatsAppVerifier } from "./webhooks/whatsapp-verifier.js";

export type { Config } from "./config.js";
export { readIngressConfig } from "./config.js";

export interface RunningIngress {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = "ingress";

export interface StartOptions {
  logger?: Logger;
  /** Where metrics go; default the global provider (set up by startTelemetry). */
  meterProvider?: Parameters<typeof createMetrics>[1];
}

/**
 * Composition root: config -> adapters -> listeners -> handlers -> server -> consumer, sweeper and
 * retention.
 */
export async function start(config: Config, options: StartOptions = {}): Promise<RunningIngress> {
  const logger = options.logger ?? createLogger({ service: "ingress", level: config.logLevel });
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

  // Undone in reverse when a later step fails, so a failed start leaks no connection.
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const db = await createDb({
      url: config.databaseUrl,
      schema: SCHEMA,
      entities: [WebhookEventEntity],
      logger,
    });
    undo.push(() => db.close());
    const bus = await connectBus(busOptionsOf(config, "ingress", logger));
    undo.push(() => bus.close());
    const redis = createRedis(config, { name: "ingress", logger });
    undo.push(async () => redis.disconnect());
    await bus.ensureStream({ domain: "ingress" });

    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: "ingress",
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    undo.push(async () => auth.close());
    // Every replica hears revoked keys and suspended tenants before it serves (bus.close stops it).
    await watchAccessChanges({ bus, auth, logger });
    // ResolveChannel is internal: ingress always calls it as itself, never with a caller's credential.
    const channels = createChannelDirectory({
      channels: createServiceClient(ChannelDirectoryService, config.tenantServiceUrl, {
        timeoutMs: 5_000,
        credentials: auth.serviceTokens,
      }),
      shared: createRedisChannelCache({
        redis,
        seal: createChannelSeal(parseChannelCacheKey(config.channelCacheKey.reveal())),
        ttlMs: config.channelCacheTtlMs,
      }),
      localTtlMs: config.channelLocalCacheTtlMs,
      negativeTtlMs: config.channelNegativeCacheTtlMs,
      logger,
    });
    // Every replica forgets changed channels at once (bus.close stops it); the durable consumer
    // below does what must happen once.
    await listenChannelChanges({ bus, channels, logger });
    const metrics = createMetrics("ingress", options.meterProvider);
    const webhookMetrics = createWebhookMetrics(metrics.meter);
    const publisher = createDeliveryPublisher({ bus, metrics });
    const splitter = createDeliverySplitter({
      maxInboundAgeMs: config.maxInboundAgeSeconds * 1000,
      maxEventBytes: config.maxEventBytes,
    });
    const queued = createQueuedWebhookEvents(db);
    const held = createHeldWebhookEvents(db);
    const processor = createQueuedRowProcessor({
      db,
      queued,
      channels,
      splitter,
      publisher,
      metrics: webhookMetrics,
      retry: {
        maxAttempts: config.sweepMaxAttempts,
        initialMs: config.sweepRetryInitialMs,
        maxMs: config.sweepRetryMaxMs,
      },
      logger,
    });
    const releaser = createHeldReleaser({ db, held, channels, processor, logger });
    const writer = createWebhookEventWriter({
      db,
      maxQueuedRows: config.webhookQueueMaxRows,
      maxQueuedBytes: config.webhookQueueMaxBytes,
    });
    const stopObservingQueue = metrics.observeDepth("ingress.webhook_inserts", () => writer.usage().items);
    undo.push(async () => stopObservingQueue());
    const bodyBudget = createBodyBudget(config.webhookReadMaxBytes);
    const stopObservingBodies = webhookMetrics.observeBodyBytes(() => bodyBudget.inUse());
    undo.push(async () => stopObservingBodies());

    const server = buildServer({
      logger,
      auth,
      events: createWebhookEventReader(db),
      replayer: createWebhookReplayer({ db, queued, channels, splitter, publisher, logger }),
      whatsappVerifier: createWhatsAppVerifier({ channels, logger }),
      whatsappReceiver: createWhatsAppReceiver({
        channels,
        writer,
        splitter,
        publisher,
        limiter: createRejectedRequestLimiter(redis, {
          windowMs: config.rejectedLimitWindowMs,
          perChannel: config.rejectedLimitPerChannel,
          perIp: config.rejectedLimitPerIp,
        }),
        metrics: webhookMetrics,
        logger,
        maxBodyBytes: config.webhookMaxBodyBytes,
        bodyBudget,
        rejectedBodyKeepBytes: config.rejectedBodyKeepBytes,
        queuedAfterMs: config.sweepQueuedAfterMs,
      }),
      readiness: [
        { name: "postgres", check: (signal) => db.ping(signal) },
        { name: "nats", check: () => bus.ping() },
        { name: "redis", check: async () => void (await redis.ping()) },
      ],
    });
    const port = await server.listen(config.port, config.host);
    undo.push(() => server.close());

    const consumer = await consumeChannelChanges({
      bus,
      db,
      inbox: createInbox("ingress"),
      channels,
      releaser,
    });
    const sweeper = createQueuedSweeper({
      queued,
      processor,
      held,
      releaser,
      busReady: () => bus.ping(),
      logger,
      heldWithinMs: config.heldRecheckWindowMs,
      heldReconcileIntervalMs: config.heldReconcileIntervalMs,
      intervalMs: config.sweepIntervalMs,
      batchSize: config.sweepBatchSize,
    });
    sweeper.start();
    // Settled deliveries (accepted, rejected) and inbox rows past RETENTION_DAYS; queued, held and
    // failed deliveries are still work and stay (migrations/retention.ts).
    const retention = createRetentionJob({
      db,
      tasks: [
        { schema: SCHEMA, table: "webhook_events" },
        { schema: SCHEMA, table: "processed_events" },
      ],
      logger,
      ...config.retention,
    });
    retention.start();

    let stopping: Promise<void> | undefined;
    return {
      port,
      stop() {
        stopping ??= (async () => {
          await server.close();
          await sweeper.stop();
          await retention.stop();
          await consumer.stop();
          stopObservingQueue();
          stopObservingBodies();
          await bus.close();
          auth.close();
          // QUIT waits for a connection; without one there is nothing to close politely.
          if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
          else redis.disconnect();
          await db.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

if (import.meta.main) {
  let config: Config;
  try {
    config = readIngressConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const telemetry = startTelemetry({ service: "ingress", version: "0.1.0", exporter: config.otelExporter });
  const logger = createLogger({ service: "ingress", level: config.logLevel });
  const svc = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("ingress", () => svc.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
