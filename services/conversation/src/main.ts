import { type Bus, connectBus } from "@atendo/bus";
import { createDb, createInbox, createRetentionJob, type Db, roleFromUrl, runMigrations } from "@atendo/db";
import {
  busOptionsOf,
  ConfigError,
  createLifecycle,
  createRedis,
  createTenantAuth,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createBufferStore } from "./buffer/buffer-store.js";
import { createFlusher } from "./buffer/flusher.js";
import { createSweeper } from "./buffer/sweeper.js";
import { createTurnPublisher } from "./buffer/turn-publisher.js";
import { createTurnScheduler } from "./buffer/turn-scheduler.js";
import { type Config, loadConfig } from "./config.js";
import { startMessageReceivedConsumer } from "./consumers/message-received.js";
import { startReplyGeneratedConsumer } from "./consumers/reply-generated.js";
import { startStatusChangedConsumer } from "./consumers/status-changed.js";
import { buildServer } from "./server.js";
import { ENTITIES } from "./store/entities.js";

export type { Config } from "./config.js";
export { loadConfig } from "./config.js";

export const SERVICE = "conversation";
const SCHEMA = "conversation";
const TURNS_SWEPT_BACK_MS = 24 * 3_600_000;

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

/**
 * Composition root: migrations, adapters, the server, the event consumers and the reply buffer's
 * flusher and sweep. `stop()` undoes it in order: stop taking work, drain, close pools.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: SERVICE, level: config.logLevel });
  const stopSteps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  const stop = async () => {
    for (const step of stopSteps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        logger.error({ err, step: step.name }, "stop step failed");
      }
    }
  };

  try {
    if (config.migrationDatabaseUrl !== undefined) {
      await runMigrations({
        ownerUrl: config.migrationDatabaseUrl,
        schema: SCHEMA,
        appRole: roleFromUrl(config.databaseUrl),
        migrations,
        logger,
      });
    }
    const db: Db = await createDb({ url: config.databaseUrl, schema: SCHEMA, entities: ENTITIES, logger });
    stopSteps.push({ name: "db", run: () => db.close() });

    // The buffer store puts REDIS_KEY_PREFIX in its keys itself (its Lua scripts name them).
    const redis = createRedis(config, { name: SERVICE, logger, prefixKeys: false });
    stopSteps.push({ name: "redis", run: () => redis.quit() });
    await redis.connect();

    const bus: Bus = await connectBus(busOptionsOf(config, SERVICE, logger));
    stopSteps.push({ name: "bus", run: () => bus.close() });
    await bus.ensureStream({ domain: SCHEMA });

    // Handled events are remembered (inbox) long enough to drop redeliveries, then pruned; messages
    // and conversations are the tenants' history and stay.
    const retention = createRetentionJob({
      db,
      tasks: [{ schema: SCHEMA, table: "processed_events" }],
      logger,
      ...config.retention,
    });
    retention.start();
    stopSteps.push({ name: "retention", run: () => retention.stop() });

    // Tokens are checked with the tenant service's keys, API keys and workspaces looked up there.
    // This service calls no other one, so its own service token only serves those lookups.
    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: SERVICE,
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    stopSteps.push({ name: "auth", run: async () => auth.close() });
    // Revoked keys and suspended tenants are refused by this replica too, before it serves.
    await watchAccessChanges({ bus, auth, logger });

    const store = createBufferStore({ redis, keyPrefix: config.redisKeyPrefix });
    const flusher = createFlusher({
      store,
      turns: createTurnPublisher({ db, bus }),
      logger,
      pollMs: config.buffer.pollMs,
      leaseMs: config.buffer.leaseMs,
      retryMs: Math.min(1_000, config.buffer.leaseMs),
      batchSize: 100,
    });
    const scheduler = createTurnScheduler({
      store,
      windowMs: config.buffer.windowMs,
      onArmed: (deadline) => flusher.notify(deadline),
    });
    const sweeper = createSweeper({
      db,
      scheduler,
      logger,
      intervalMs: config.sweep.intervalMs,
      graceMs: config.buffer.windowMs + config.sweep.graceMs,
      horizonMs: TURNS_SWEPT_BACK_MS,
      batchSize: 500,
    });
    stopSteps.push({ name: "buffer", run: () => Promise.all([flusher.stop(), sweeper.stop()]) });

    const server = buildServer({ logger, db, bus, redis, auth });
    const port = await server.listen(config.port, config.host);

    const inbox = createInbox(SCHEMA);
    const consumers = [
      await startMessageReceivedConsumer({ db, bus, inbox, scheduler }),
      await startReplyGeneratedConsumer({ db, bus, inbox }),
      await startStatusChangedConsumer({ db, bus, inbox }),
    ];
    stopSteps.push({ name: "consumers", run: () => Promise.all(consumers.map((c) => c.stop())) });
    flusher.start();
    sweeper.start();
    // Runs first on stop: no new requests while the rest drains.
    stopSteps.push({ name: "server", run: () => server.close() });

    logger.info({ port }, "conversation service started");
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.main) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A clear list of what to fix, without a stack trace.
    console.error(err.message);
    process.exit(1);
  }
  const telemetry = startTelemetry({ service: SERVICE, version: "0.1.0", exporter: config.otelExporter });
  const logger = createLogger({ service: SERVICE, level: config.logLevel });
  const svc = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => svc.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
