import { type Bus, connectBus } from "@atendo/bus";
import {
  createDb,
  createOutbox,
  createOutboxRelay,
  createRetentionJob,
  type Db,
  type OutboxRelay,
  type RetentionJob,
  roleFromUrl,
  runMigrations,
} from "@atendo/db";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
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
import { createChannelDirectory } from "./clients/channel-directory.js";
import { createPlanLimits } from "./clients/plan-limits.js";
import { createWorkspaceSettings } from "./clients/workspace-settings.js";
import { type Config, loadConfig } from "./config.js";
import { createAnnounce } from "./handlers/announce.js";
import { buildServer } from "./server.js";
import { AssistantRow } from "./store/assistant-entity.js";
import { createAssistantRepository } from "./store/assistant-repository.js";
import { ChannelBindingRow } from "./store/channel-binding-entity.js";

export { type Config, loadConfig } from "./config.js";

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = "assistant";

/**
 * Starts the assistant service: migrations (when configured), adapters, the outbox relay and
 * retention, server.
 */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: "assistant", level: config.logLevel });
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
  let relay: OutboxRelay | undefined;
  let retention: RetentionJob | undefined;
  // In order: stop taking requests, relay what they committed, then close the connections.
  const stop = async (): Promise<void> => {
    const s = server;
    const r = relay;
    const j = retention;
    const a = auth;
    const b = bus;
    const d = db;
    server = relay = retention = auth = bus = db = undefined;
    const steps: Array<[string, (() => Promise<void>) | undefined]> = [
      ["server", s && (() => s.close())],
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
    db = await createDb({
      url: config.databaseUrl,
      schema: SCHEMA,
      entities: [AssistantRow, ChannelBindingRow],
      logger,
    });
    bus = await connectBus(busOptionsOf(config, "assistant", logger));
    await bus.ensureStream({ domain: "assistant" });
    // Audit entries go to the shared audit stream the tenant service reads.
    await bus.ensureStream({ domain: "audit" });
    // Events commit with the change they announce; the relay publishes them (any replica's).
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
      tasks: [{ schema: SCHEMA, table: "outbox" }],
      logger,
      ...config.retention,
    });
    retention.start();

    auth = createTenantAuth({
      tenantServiceUrl: config.tenantServiceUrl,
      service: "assistant",
      credential: config.serviceCredential,
      issuer: config.authIssuer,
      logger,
    });
    // Revoked keys and suspended tenants are refused by this replica too, before it serves.
    await watchAccessChanges({ bus, auth, logger });
    // Calls that forward no caller credential send this service's token.
    const clientOptions = { timeoutMs: 5_000, credentials: auth.serviceTokens };
    const tenants = createServiceClient(TenantService, config.tenantServiceUrl, clientOptions);
    server = buildServer({
      logger,
      db,
      bus,
      auth,
      repo: createAssistantRepository(),
      workspaces: createWorkspaceSettings({ tenants }),
      limits: createPlanLimits({ tenants }),
      channels: createChannelDirectory({
        channels: createServiceClient(ChannelService, config.tenantServiceUrl, clientOptions),
      }),
      announce: createAnnounce({ outbox, bus }),
    });
    const port = await server.listen(config.port, config.host);
    logger.info({ port }, "assistant service listening");
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.main) {
  const config = loadConfig();
  const telemetry = startTelemetry({ service: "assistant", exporter: config.otelExporter });
  const logger = createLogger({ service: "assistant", level: config.logLevel });
  const svc = await start(config, { logger });
  const lifecycle = createLifecycle({ logger });
  lifecycle.onShutdown("service", () => svc.stop());
  lifecycle.onShutdown("telemetry", () => telemetry.shutdown());
  lifecycle.listen();
}
