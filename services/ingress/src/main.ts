import { connectBus } from "@atendo/bus";
import {
  createDb,
  createInbox,
  createOutbox,
  createOutboxRelay,
  createRequestIds,
  createRetentionJob,
  roleFromUrl,
  runMigrations,
} from "@atendo/db";
import { createMediaStore } from "@atendo/media";
import { ConversationDirectoryService } from "@atendo/proto/conversation/v1";
import { ChannelDirectoryService, TokenService } from "@atendo/proto/tenant/v1";
import {
  busOptionsOf,
  closeRedis,
  connectRedis,
  createOutboundGuard,
  createResources,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  runService,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, createMetrics, type Logger } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createChannelDirectory } from "./clients/channel-directory.js";
import { type Config, loadConfig } from "./config.js";
import { startChannelChangesConsumer } from "./consumers/channel-changes.js";
import { parseChannelCacheKey } from "./domain/channel-cache-key.js";
import { createChannelSeal } from "./domain/channel-seal.js";
import { listenToChannelChanges } from "./listeners/channel-changes.js";
import { startMediaFetchConsumer } from "./media/media-fetch-consumer.js";
import { createMediaFetcher } from "./media/media-fetcher.js";
import { createMediaGet } from "./media/media-http.js";
import { createMediaUrlSigner } from "./media/media-url-signer.js";
import { buildServer } from "./server.js";
import { createHeldWebhookEvents } from "./store/held-webhook-events.js";
import { createQueuedWebhookEvents } from "./store/queued-webhook-events.js";
import { createRedisChannelCache } from "./store/redis-channel-cache.js";
import { createRejectedRequestLimiter } from "./store/rejected-request-limiter.js";
import { WebhookEventEntity } from "./store/webhook-event-entity.js";
import { createWebhookEventReader } from "./store/webhook-event-reader.js";
import { createWebhookEventWriter } from "./store/webhook-event-writer.js";
import { createWebhookRateLimiter } from "./store/webhook-rate-limiter.js";
import { createBodyBudget } from "./webhooks/body-budget.js";
import { createCrashStall } from "./webhooks/crash-point.js";
import { createDeliveryPublisher } from "./webhooks/delivery-publisher.js";
import { createDeliverySplitter } from "./webhooks/delivery-splitter.js";
import { createHeldReleaser } from "./webhooks/held-releaser.js";
import { createQueuedRowProcessor } from "./webhooks/queued-row-processor.js";
import { createQueuedSweeper } from "./webhooks/queued-sweeper.js";
import { createWebhookMetrics } from "./webhooks/webhook-metrics.js";
import { createWebhookReceiver } from "./webhooks/webhook-receiver.js";
import { createWebhookReplayer } from "./webhooks/webhook-replayer.js";
import { createWebhookVerifier } from "./webhooks/webhook-verifier.js";
import { createWidgetEvents } from "./widget/widget-events.js";
import { createWidgetHub } from "./widget/widget-hub.js";
import { createWidgetLimiter } from "./widget/widget-limiter.js";
import { createWidgetStore } from "./widget/widget-store.js";

export type { Config } from "./config.js";
export { loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const SERVICE = "ingress";
const SCHEMA = "ingress";
/** How long a widget upload URL takes the bytes (docs/widget.md). */
const WIDGET_UPLOAD_TTL_MS = 15 * 60_000;

export interface StartOptions {
  logger?: Logger;
  /** Where metrics go; default the global provider (set up by startTelemetry). */
  meterProvider?: Parameters<typeof createMetrics>[1];
}

/**
 * Composition root: config -> adapters -> listeners -> handlers -> consumer, sweeper and retention
 * -> server. `stop()` closes them in reverse.
 */
export async function start(config: Config, options: StartOptions = {}): Promise<RunningService> {
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
      createDb({ url: config.databaseUrl, schema: SCHEMA, entities: [WebhookEventEntity], logger }),
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    const redis = await resources.open(
      "redis",
      () => connectRedis(config, { name: SERVICE, logger }),
      closeRedis,
    );
    await bus.ensureStream({ domain: SERVICE });
    // Events ingress makes itself commit with their rows; the relay publishes them (any replica's).
    const outbox = createOutbox(SCHEMA);
    const relay = createOutboxRelay({
      db,
      outbox,
      publish: bus.publishEncoded,
      ping: bus.ping,
      logger,
      ...config.outboxRelay,
    });
    relay.start();
    resources.onClose("outbox relay", () => relay.stop());

    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: SERVICE,
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    resources.onClose("auth", () => auth.close());
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
    await listenToChannelChanges({ bus, channels, logger });
    // Media: where the bytes go (MEDIA_STORE) and the signed download URLs GetMedia hands out.
    const mediaStore = createMediaStore(config.media.store, { db, schema: SCHEMA });
    resources.onClose("media store", async () => mediaStore.close());
    const mediaUrls = createMediaUrlSigner({
      key: config.media.urlKey.reveal(),
      ttlSeconds: config.media.urlTtlSeconds,
      baseUrl: config.media.publicBaseUrl,
    });
    // Webhook metrics join the bus's registry, served with the RPC metrics on /metrics.
    const metrics = createMetrics(SERVICE, options.meterProvider ?? bus.metrics.meterProvider);
    const webhookMetrics = createWebhookMetrics(metrics.meter);
    // Crash tests only (INGRESS_TEST_CRASH_POINT, refused in production): "none" wires nothing.
    const crashStall = createCrashStall(config.testCrashPoint, logger);
    const publisher = createDeliveryPublisher({
      bus,
      metrics,
      ...(config.testCrashPoint === "before-publish" ? { stallBeforePublish: crashStall } : {}),
    });
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
      ...(config.testCrashPoint === "before-accept" ? { stallBeforeAccept: crashStall } : {}),
    });
    // Closed after the server (no request left to mark anything) and before the database.
    resources.onClose("accept marks", () => writer.flushAccepts());
    resources.onClose(
      "queue gauge",
      metrics.observeDepth("ingress.webhook_inserts", () => writer.usage().items),
    );
    const bodyBudget = createBodyBudget(config.webhookReadMaxBytes);
    resources.onClose(
      "body gauge",
      webhookMetrics.observeBodyBytes(() => bodyBudget.inUse()),
    );

    // Web-chat widget (docs/widget.md): threads in Postgres, visitor messages through the outbox,
    // replies and typing from the bus; every replica wakes the streams it holds.
    const widgetHub = createWidgetHub();
    const widgetStore = createWidgetStore();
    await resources.open(
      "widget events",
      () => createWidgetEvents({ bus, db, store: widgetStore, hub: widgetHub }).start(),
      (events) => events.stop(),
    );
    const widget = {
      db,
      store: widgetStore,
      hub: widgetHub,
      limiter: createWidgetLimiter(redis, config.widget.limits),
      outbox,
      bus,
      siteKeys: createServiceClient(ChannelDirectoryService, config.tenantServiceUrl, {
        timeoutMs: 5_000,
        credentials: auth.serviceTokens,
      }),
      channels,
      conversations: createServiceClient(ConversationDirectoryService, config.conversationServiceUrl, {
        timeoutMs: 5_000,
        credentials: auth.serviceTokens,
      }),
      tokens: createServiceClient(TokenService, config.tenantServiceUrl, {
        timeoutMs: 5_000,
        credentials: auth.serviceTokens,
      }),
      verifier: auth.verifier,
      heartbeatMs: config.widget.heartbeatMs,
      logger,
      uploads: {
        mediaStore,
        mediaUrls,
        limits: config.media.limits,
        publicBaseUrl: config.media.publicBaseUrl,
        uploadTtlMs: WIDGET_UPLOAD_TTL_MS,
      },
    };

    const server = buildServer({
      widget,
      logger,
      auth,
      metrics: bus.metrics,
      db,
      events: createWebhookEventReader(db),
      replayer: createWebhookReplayer({ queued, channels, splitter, publisher, logger }),
      requestIds: createRequestIds(SCHEMA),
      webhookVerifier: createWebhookVerifier({ channels, logger }),
      webhookReceiver: createWebhookReceiver({
        channels,
        writer,
        splitter,
        publisher,
        limiter: createRejectedRequestLimiter(redis, {
          windowMs: config.rejectedLimitWindowMs,
          perChannel: config.rejectedLimitPerChannel,
          perIp: config.rejectedLimitPerIp,
        }),
        rateLimiter: createWebhookRateLimiter(redis, config.webhookRateLimits),
        metrics: webhookMetrics,
        logger,
        maxBodyBytes: config.webhookMaxBodyBytes,
        bodyBudget,
        rejectedBodyKeepBytes: config.rejectedBodyKeepBytes,
        queuedAfterMs: config.sweepQueuedAfterMs,
        processor,
      }),
      mediaStore,
      mediaUrls,
      readiness: [
        { name: "postgres", check: (signal) => db.ping(signal) },
        { name: "nats", check: () => bus.ping() },
        { name: "redis", check: async () => void (await redis.ping()) },
      ],
    });

    await resources.open(
      "channel changes consumer",
      () => startChannelChangesConsumer({ bus, db, inbox: createInbox(SCHEMA), channels, releaser }),
      (consumer) => consumer.stop(),
    );
    // Media: every received message's media fetched once from its channel, stored, announced.
    await resources.open(
      "media fetch consumer",
      () =>
        startMediaFetchConsumer({
          bus,
          db,
          outbox,
          channels,
          store: mediaStore,
          fetcher: createMediaFetcher({
            get: createMediaGet({
              guard: createOutboundGuard({ allowPrivateNetworks: config.media.allowPrivateNetworks }),
              timeoutMs: config.media.fetchTimeoutMs,
              userAgent: config.media.userAgent,
            }),
            limits: config.media.limits,
          }),
          retry: config.media.retry,
          concurrency: config.media.fetchConcurrency,
        }),
      (consumer) => consumer.stop(),
    );
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
    resources.onClose("sweeper", () => sweeper.stop());
    // Settled deliveries (accepted, rejected) and inbox rows past RETENTION_DAYS; queued, held and
    // failed deliveries are still work and stay (migrations/20261220000000-retention.ts).
    const retention = createRetentionJob({
      db,
      tasks: [
        { schema: SCHEMA, table: "webhook_events" },
        { schema: SCHEMA, table: "processed_events" },
        { schema: SCHEMA, table: "request_ids" },
        { schema: SCHEMA, table: "outbox" },
        // Widget threads (WIDGET_RETENTION_DAYS): messages first, so a visitor left without any goes
        // in the same run (migrations/20270105000000-widget-versions.ts).
        { schema: SCHEMA, table: "widget_messages", maxAgeMs: config.widget.retentionMs },
        { schema: SCHEMA, table: "widget_sessions", maxAgeMs: config.widget.retentionMs },
        { schema: SCHEMA, table: "widget_visitors", maxAgeMs: config.widget.retentionMs },
      ],
      logger,
      ...config.retention,
    });
    retention.start();
    resources.onClose("retention", () => retention.stop());
    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    logger.info({ port }, "ingress service listening");
    return { port, stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
