import { connectBus } from "@atendo/bus";
import { createDb, roleFromUrl } from "@atendo/db";
import { ConfigError, createLifecycle } from "@atendo/service-kit";
import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import { Redis } from "ioredis";
import { migrate, SCHEMA } from "../migrations/index.js";
import { type Config, loadConfig } from "./config.js";
import { createSecretBox } from "./domain/secret-box.js";
import { createPublishEvents } from "./handlers/publish-events.js";
import { buildServer } from "./server.js";
import { ENTITIES } from "./store/entities.js";
import { createLookups } from "./store/lookups.js";

export type { Config } from "./config.js";
export { loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  /** Stops taking requests, then closes the bus, Redis and the database (idempotent). */
  stop(): Promise<void>;
}

/** Starts the tenant service: migrations (when configured), adapters, server, in that order. */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: "tenant", level: config.logLevel });
  // Closers of what is open so far, run in reverse if a later step fails or on stop().
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  const closeAll = async (): Promise<void> => {
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err, step: name }, "stop step failed");
      }
    }
    closers.length = 0;
  };

  try {
    if (config.migrationDatabaseUrl !== undefined) {
      await migrate({
        ownerUrl: config.migrationDatabaseUrl,
        appRole: roleFromUrl(config.databaseUrl),
        logger,
      });
    }
    const db = await createDb({ url: config.databaseUrl, schema: SCHEMA, entities: ENTITIES, logger });
    closers.push({ name: "db", close: () => db.close() });
    const redis = new Redis(config.redisUrl, { keyPrefix: config.redisKeyPrefix, lazyConnect: true });
    closers.push({ name: "redis", close: () => redis.quit() });
    await redis.connect();
    const bus = await connectBus({
      servers: config.natsUrl,
      name: "tenant",
      logger,
      ...(config.busNamespace === undefined ? {} : { namespace: config.busNamespace }),
    });
    closers.push({ name: "bus", close: () => bus.close() });
    await bus.ensureStream({ domain: "tenant" });

    const server = buildServer({
      db,
      bus,
      redis,
      logger,
      lookups: createLookups(db),
      secretBox: createSecretBox(config.channelSecretKeys),
      publish: createPublishEvents(bus, logger),
      graphDefaults: {
        graphApiVersion: config.graphApiVersion,
        whatsappGraphBaseUrl: config.whatsappGraphBaseUrl,
        instagramGraphBaseUrl: config.instagramGraphBaseUrl,
        allowBaseUrlOverride: config.allowGraphBaseUrlOverride,
      },
    });
    closers.push({ name: "server", close: () => server.close() });
    const port = await server.listen(config.port, config.host);
    // No consumers: the tenant service consumes no events.
    let stopping: Promise<void> | undefined;
    return {
      port,
      stop: () => {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

if (import.meta.main) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const telemetry = startTelemetry({ service: "tenant", version: "0.1.0", exporter: config.otelExporter });
  const logger = createLogger({ service: "tenant", level: config.logLevel });
  const service = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => service.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
