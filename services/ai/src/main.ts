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
import { AssistantDirectoryService, AssistantService } from "@atendo/proto/assistant/v1";
import { TurnContextService } from "@atendo/proto/conversation/v1";
import { TenantService } from "@atendo/proto/tenant/v1";
import {
  busOptionsOf,
  createResources,
  createServiceClient,
  createTenantAuth,
  redactConfig,
  runService,
  watchAccessChanges,
} from "@atendo/service-kit";
import { createLogger, type Logger } from "@atendo/telemetry";
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
import { UsageRecordRow } from "./store/usage-record-entity.js";
import { createUsageRepository } from "./store/usage-repository.js";

export { type Config, loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const SERVICE = "ai";
const SCHEMA = "ai";

/**
 * Starts the ai service: migrations (when configured), adapters, the outbox relay and retention,
 * the TurnReady consumer, server. `stop()` closes them in reverse: the server finishes its requests,
 * the consumer its turns, the relay publishes what they committed, then the connections close.
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
      createDb({ url: config.databaseUrl, schema: SCHEMA, entities: [UsageRecordRow], logger }),
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    await bus.ensureStream({ domain: SERVICE });
    // Events of RPCs commit with their change; the relay publishes them (any replica's). The
    // TurnReady consumer publishes its own outputs from the inbox before its ack.
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
    const retention = createRetentionJob({
      db,
      tasks: [
        { schema: SCHEMA, table: "outbox" },
        { schema: SCHEMA, table: "processed_events" },
        { schema: SCHEMA, table: "request_ids" },
      ],
      logger,
      ...config.retention,
    });
    retention.start();
    resources.onClose("retention", () => retention.stop());

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
    // The consumer calls as the ai service (its token); RPC handlers forward their caller's credential.
    const clientOptions = { timeoutMs: 5_000, credentials: auth.serviceTokens };
    const assistants = createAssistantConfigs({
      client: createServiceClient(AssistantService, config.assistantServiceUrl, clientOptions),
      directory: createServiceClient(AssistantDirectoryService, config.assistantServiceUrl, clientOptions),
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

    const server = buildServer({
      db,
      bus,
      outbox,
      auth,
      assistants,
      usage,
      quota,
      generate,
      requestIds: createRequestIds(SCHEMA),
      logger,
    });
    await resources.open(
      "TurnReady consumer",
      () =>
        startTurnReadyConsumer({
          db,
          bus,
          inbox: createInbox(SCHEMA),
          usage,
          assistants,
          contexts,
          quota,
          generate,
          concurrency: config.turnConcurrency,
          maxDeliver: config.turnMaxDeliver,
        }),
      (consumer) => consumer.stop(),
    );
    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    logger.info({ port }, "ai service listening");
    return { port, stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
