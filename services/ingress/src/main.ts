import { connectBus } from "@atendo/bus";
import { createDb, roleFromUrl, runMigrations } from "@atendo/db";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { ConfigError, createLifecycle, createServiceClient, redactConfig } from "@atendo/service-kit";
import { createLogger, createMetrics, type Logger, startTelemetry } from "@atendo/telemetry";
import { Redis } from "ioredis";
import { migrations } from "../migrations/index.js";
import { createChannelDirectory } from "./clients/channel-directory.js";
import { createWorkspaceDirectory } from "./clients/workspace-directory.js";
import { type Config, readIngressConfig } from "./config.js";
import { buildServer } from "./server.js";
import { createQueuedWebhookEvents } from "./store/queued-webhook-events.js";
import { WebhookEventEntity } from "./store/webhook-event-entity.js";
import { createWebhookEventReader } from "./store/webhook-event-reader.js";
import { createWebhookEventWriter } from "./store/webhook-event-writer.js";
import { createDeliveryPublisher } from "./webhooks/delivery-publisher.js";
import { createQueuedSweeper } from "./webhooks/queued-sweeper.js";
import { createWhatsAppReceiver } from "./webhooks/whatsapp-receiver.js";
import { createWhatsAppVerifier } from "./webhooks/whatsapp-verifier.js";

export type { Config } from "./config.js";
export { readIngressConfig } from "./config.js";

export interface RunningIngress {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = "ingress";

/** Composition root: config -> adapters -> handlers -> server -> sweeper. */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningIngress> {
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
    const bus = await connectBus({
      servers: config.natsUrl,
      name: "ingress",
      logger,
      ...(config.busNamespace === undefined ? {} : { namespace: config.busNamespace }),
    });
    undo.push(() => bus.close());
    const redis = new Redis(config.redisUrl, { keyPrefix: config.redisKeyPrefix, maxRetriesPerRequest: 2 });
    undo.push(async () => redis.disconnect());
    await bus.ensureStream({ domain: "ingress" });

    const channels = createChannelDirectory({
      channels: createServiceClient(ChannelService, config.tenantServiceUrl, { timeoutMs: 5_000 }),
      ttlMs: config.channelCacheTtlMs,
      negativeTtlMs: config.channelNegativeCacheTtlMs,
    });
    const workspaces = createWorkspaceDirectory({
      workspaces: createServiceClient(TenantService, config.tenantServiceUrl, { timeoutMs: 5_000 }),
    });
    const metrics = createMetrics("ingress");
    const publisher = createDeliveryPublisher({ bus, metrics });
    const maxInboundAgeMs = config.maxInboundAgeSeconds * 1000;

    const server = buildServer({
      logger,
      workspaces,
      events: createWebhookEventReader(db),
      whatsappVerifier: createWhatsAppVerifier({ channels, logger }),
      whatsappReceiver: createWhatsAppReceiver({
        channels,
        writer: createWebhookEventWriter({ db }),
        publisher,
        logger,
        maxBodyBytes: config.webhookMaxBodyBytes,
        maxInboundAgeMs,
      }),
      readiness: [
        { name: "postgres", check: (signal) => db.ping(signal) },
        { name: "nats", check: () => bus.ping() },
        { name: "redis", check: async () => void (await redis.ping()) },
      ],
    });
    const port = await server.listen(config.port, config.host);
    undo.push(() => server.close());

    const sweeper = createQueuedSweeper({
      db,
      queued: createQueuedWebhookEvents(db),
      channels,
      publisher,
      logger,
      queuedAfterMs: config.sweepQueuedAfterMs,
      intervalMs: config.sweepIntervalMs,
      maxInboundAgeMs,
    });
    sweeper.start();

    let stopping: Promise<void> | undefined;
    return {
      port,
      stop() {
        stopping ??= (async () => {
          await server.close();
          await sweeper.stop();
          await bus.close();
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
