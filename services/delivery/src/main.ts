import { type Consumer, connectBus } from "@atendo/bus";
import { createDb, createInbox, roleFromUrl, runMigrations } from "@atendo/db";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createLifecycle, createServiceClient, redactConfig } from "@atendo/service-kit";
import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import { Redis } from "ioredis";
import { migrations } from "../migrations/index.js";
import { createOutboundSender } from "./adapters/outbound-sender.js";
import { createWhatsAppGraph } from "./adapters/whatsapp-graph.js";
import { createChannelDirectory } from "./clients/tenant-channels.js";
import { createWorkspaceDirectory } from "./clients/tenant-workspaces.js";
import { type Config, readConfig } from "./config.js";
import { startOutboundCreatedConsumer } from "./consumers/outbound-created.js";
import { startStatusReceivedConsumer } from "./consumers/status-received.js";
import { createSendPacer } from "./pacing/send-pacer.js";
import { buildServer } from "./server.js";
import { AttemptEntity } from "./store/attempt-entity.js";
import { DeliveryEntity } from "./store/delivery-entity.js";

export { type Config, readConfig } from "./config.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = "delivery";
// Calls to the tenant service sit on the send path: fail fast, the bus retries.
const TENANT_TIMEOUT_MS = 5_000;

/** Starts the delivery service: migrations (when configured), adapters, server, consumers. */
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

  // Stop steps run in reverse order of registration: server, consumers, bus, redis, db.
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
    const redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
    });
    redis.on("error", (err: unknown) => logger.warn({ err }, "redis error"));
    await redis.connect();
    steps.push({ name: "redis", run: async () => void (await redis.quit()) });
    const bus = await connectBus({
      servers: config.natsUrl,
      name: "delivery",
      logger,
      ...(config.busNamespace === undefined ? {} : { namespace: config.busNamespace }),
    });
    steps.push({ name: "bus", run: () => bus.close() });
    await bus.ensureStream({ domain: "delivery" });

    const tenantClient = { timeoutMs: TENANT_TIMEOUT_MS };
    const channels = createChannelDirectory({
      client: createServiceClient(ChannelService, config.tenantServiceUrl, tenantClient),
      ttlMs: config.channelCacheTtlMs,
    });
    const workspaces = createWorkspaceDirectory({
      client: createServiceClient(TenantService, config.tenantServiceUrl, tenantClient),
    });
    const inbox = createInbox(SCHEMA);
    const retry = { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs };

    const consumers: Consumer[] = [];
    steps.push({
      name: "consumers",
      run: async () => {
        await Promise.all(consumers.map((c) => c.stop()));
      },
    });
    const server = buildServer({ logger, db, bus, redis, workspaces });
    const port = await server.listen(config.port, config.host);
    steps.push({ name: "server", run: () => server.close() });

    const outbound = await startOutboundCreatedConsumer({
      db,
      bus,
      inbox,
      channels,
      pacer: createSendPacer({
        redis,
        keyPrefix: config.redisKeyPrefix,
        pairUnitMs: config.pairRateLimitUnitMs,
      }),
      sender: createOutboundSender({
        channels,
        whatsapp: createWhatsAppGraph({ timeoutMs: config.graphTimeoutMs }),
      }),
      settings: {
        concurrency: config.concurrency,
        maxDeliver: config.maxDeliver,
        // A send may call the Graph API twice (token refresh after error 190).
        ackWaitMs: Math.max(30_000, 2 * config.graphTimeoutMs + TENANT_TIMEOUT_MS * 2),
        retry,
      },
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
    logger.info({ port }, "delivery service listening");
    return { port, stop };
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
