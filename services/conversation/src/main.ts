import { connectBus } from "@atendo/bus";
import { createDb, createInbox, createRetentionJob, roleFromUrl, runMigrations } from "@atendo/db";
import {
  busOptionsOf,
  closeRedis,
  connectRedis,
  createResources,
  createTenantAuth,
  redactConfig,
  runService,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createBufferStore } from "./buffer/buffer-store.js";
import { createFlusher } from "./buffer/flusher.js";
import { createSweeper } from "./buffer/sweeper.js";
import { createTurnPublisher } from "./buffer/turn-publisher.js";
import { createTurnScheduler } from "./buffer/turn-scheduler.js";
import { type Config, loadConfig } from "./config.js";
import { startContactSyncReceivedConsumer } from "./consumers/contact-sync-received.js";
import { startMediaStoredConsumer } from "./consumers/media-stored.js";
import { startMessageChangeReceivedConsumer } from "./consumers/message-change-received.js";
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
 * Composition root: migrations, adapters, the event consumers and the reply buffer's flusher and
 * sweep, the server. `stop()` closes them in reverse: stop taking work, drain, close pools.
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
      createDb({ url: config.databaseUrl, schema: SCHEMA, entities: ENTITIES, logger }),
    );
    const redis = await resources.open(
      "redis",
      () => connectRedis(config, { name: SERVICE, logger }),
      closeRedis,
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    await bus.ensureStream({ domain: SCHEMA });

    // Handled events are remembered (inbox) long enough to drop redeliveries, then pruned; messages
    // and conversations are the tenants' history and stay.
    const retention = createRetentionJob({
      db,
      tasks: [
        { schema: SCHEMA, table: "processed_events" },
        // Changes that arrived for a message that never came.
        { schema: SCHEMA, table: "early_changes" },
        // Conversations opened ahead of a first message that never came (migrations/20270105000000).
        { schema: SCHEMA, table: "conversations" },
      ],
      logger,
      ...config.retention,
    });
    retention.start();
    resources.onClose("retention", () => retention.stop());

    // Tokens are checked with the tenant service's keys, API keys and workspaces looked up there.
    // This service calls no other one, so its own service token only serves those lookups.
    const auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: SERVICE,
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    resources.onClose("auth", () => auth.close());
    // Revoked keys and suspended tenants are refused by this replica too, before it serves.
    await watchAccessChanges({ bus, auth, logger });

    const store = createBufferStore({ redis });
    const flusher = createFlusher({
      store,
      turns: createTurnPublisher({ db, bus, mediaWaitMs: config.buffer.mediaWaitMs }),
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
    resources.onClose("buffer", () => Promise.all([flusher.stop(), sweeper.stop()]));

    const server = buildServer({ logger, db, bus, redis, auth });

    const inbox = createInbox(SCHEMA);
    const consumers = [
      ["message consumer", () => startMessageReceivedConsumer({ db, bus, inbox, scheduler })],
      ["reply consumer", () => startReplyGeneratedConsumer({ db, bus, inbox })],
      ["status consumer", () => startStatusChangedConsumer({ db, bus, inbox })],
      ["change consumer", () => startMessageChangeReceivedConsumer({ db, bus, inbox, scheduler })],
      ["media consumer", () => startMediaStoredConsumer({ db, bus, inbox, scheduler })],
      ["contact sync consumer", () => startContactSyncReceivedConsumer({ db, bus, inbox })],
    ] as const;
    for (const [name, startConsumer] of consumers) {
      await resources.open(name, startConsumer, (consumer) => consumer.stop());
    }
    flusher.start();
    sweeper.start();

    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    logger.info({ port }, "conversation service started");
    return { port, stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
