import { type Bus, type Consumer, connectBus } from "@atendo/bus";
import {
  createDb,
  createInbox,
  createOutbox,
  createOutboxRelay,
  createRetentionJob,
  type Db,
  type OutboxRelay,
  type RetentionJob,
  roleFromUrl,
  runMigrations,
} from "@atendo/db";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { TurnContextService } from "@atendo/proto/conversation/v1";
import { TenantService } from "@atendo/proto/tenant/v1";
import {
  type AtendoServer,
  busOptionsOf,
  createLifecycle,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  type TenantAuth,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger, startTelemetry } from "@atendo/telemetry";
import { migrations } from "../migrations/index.js";
import { createAssistantConfigs } from "./clients/assistant-configs.js";
import { createPlanLimits } from "./clients/plan-limits.js";
import { createTurnContexts } from "./clients/turn-contexts.js";
import { type Config, loadConfig } from "./config.js";
import { startTurnReadyConsumer } from "./consumers/turn-ready.js";
import { createReplyGenerator } from "./domain/generate-reply.js";
import { createOfflineProvider } from "./domain/offline-provider.js";
import { listenConfigChanges } from "./listeners/config-changes.js";
import { createAiMessageQuota } from "./quota/ai-message-quota.js";
import { buildServer } from "./server.js";
import { createProcessedEvents } from "./store/processed-events.js";
import { UsageRecordRow } from "./store/usage-record-entity.js";
import { createUsageRepository } from "./store/usage-repository.js";

export { type Config, loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = "ai";

/**
 * Starts the ai service: migrations (when configured), adapters, the outbox relay and retention,
 * server, the TurnReady consumer.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: "ai", level: config.logLevel });
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

  let db: Db | undefined;
  let bus: Bus | undefined;
  let auth: TenantAuth | undefined;
  let server: AtendoServer | undefined;
  let consumer: Consumer | undefined;
  let relay: OutboxRelay | undefined;
  let retention: RetentionJob | undefined;
  // In order: stop taking requests, finish in-flight turns, relay what they committed, then close
  // the connections.
  const stop = async (): Promise<void> => {
    const s = server;
    const c = consumer;
    const r = relay;
    const j = retention;
    const a = auth;
    const b = bus;
    const d = db;
    server = consumer = relay = retention = auth = bus = db = undefined;
    const steps: Array<[string, (() => Promise<void>) | undefined]> = [
      ["server", s && (() => s.close())],
      ["consumers", c && (() => c.stop())],
      ["outbox relay", r && (() => r.stop())],
      ["retention", j && (() => j.stop())],
      ["auth", a && (async () => a.close())],
      ["bus", b && (() => b.close())],
      ["db", d && (() => d.close())],
    ];
    for (const [name, run] of steps) {
      try {
        await run?.();
      } catch (err) {
        logger.error({ err, step: name }, "stop step failed");
      }
    }
  };

  try {
    db = await createDb({ url: config.databaseUrl, schema: SCHEMA, entities: [UsageRecordRow], logger });
    bus = await connectBus(busOptionsOf(config, "ai", logger));
    await bus.ensureStream({ domain: "ai" });
    // Events of RPCs commit with their change; the relay publishes them (any replica's). The
    // TurnReady consumer publishes its own outputs from the inbox before its ack.
    const outbox = createOutbox(SCHEMA);
    relay = createOutboxRelay({
      db,
      outbox,
      publish: bus.publishEncoded,
      ping: bus.ping,
      logger,
      ...config.outboxRelay,
    });
    relay.start();
    retention = createRetentionJob({
      db,
      tasks: [
        { schema: SCHEMA, table: "outbox" },
        { schema: SCHEMA, table: "processed_events" },
      ],
      logger,
      ...config.retention,
    });
    retention.start();

    auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: "ai",
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    // Revoked keys and suspended tenants are refused by this replica too, before it serves.
    await watchAccessChanges({ bus, auth, logger });
    // The consumer calls as the ai service (its token); RPC handlers forward their caller's credential.
    const clientOptions = { timeoutMs: 5_000, credentials: auth.serviceTokens };
    const assistants = createAssistantConfigs({
      client: createServiceClient(AssistantService, config.assistantServiceUrl, clientOptions),
      ttlMs: config.assistantCacheTtlMs,
    });
    const contexts = createTurnContexts({
      client: createServiceClient(TurnContextService, config.conversationServiceUrl, clientOptions),
      historyLimit: config.historyLimit,
    });
    // No OpenAI or Anthropic provider exists yet: every assistant answers through the offline one.
    const generate = createReplyGenerator({
      providers: [],
      offline: createOfflineProvider({ handoffKeywords: config.handoffKeywords }),
    });
    const limits = createPlanLimits({
      client: createServiceClient(TenantService, config.tenantServiceUrl, clientOptions),
      ttlMs: config.planLimitsCacheTtlMs,
    });
    // Every replica drops its cached assistants and limits of a tenant when they change.
    await listenConfigChanges({ bus, assistants, limits });
    const usage = createUsageRepository();
    // Both the turns and the playground stop at the plan's monthly AI messages.
    const quota = createAiMessageQuota({ db, usage, limits });

    server = buildServer({ db, bus, outbox, auth, assistants, usage, quota, generate, logger });
    const port = await server.listen(config.port, config.host);
    consumer = await startTurnReadyConsumer({
      db,
      bus,
      inbox: createInbox(SCHEMA),
      processed: createProcessedEvents(),
      usage,
      assistants,
      contexts,
      quota,
      generate,
      concurrency: config.turnConcurrency,
      maxDeliver: config.turnMaxDeliver,
    });
    logger.info({ port }, "ai service listening");
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.main) {
  const config = loadConfig();
  const telemetry = startTelemetry({ service: "ai", exporter: config.otelExporter });
  const logger = createLogger({ service: "ai", level: config.logLevel });
  const svc = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => svc.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
