import { connectBus } from "@atendo/bus";
import {
  createDb,
  createOutbox,
  createOutboxRelay,
  createRequestIds,
  createRetentionJob,
  roleFromUrl,
  runMigrations,
} from "@atendo/db";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
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

const SERVICE = "assistant";
const SCHEMA = "assistant";

/**
 * Starts the assistant service: migrations (when configured), adapters, the outbox relay and
 * retention, server. `stop()` closes them in reverse.
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
      createDb({
        url: config.databaseUrl,
        schema: SCHEMA,
        entities: [AssistantRow, ChannelBindingRow],
        logger,
      }),
    );
    const bus = await resources.open("bus", () => connectBus(busOptionsOf(config, SERVICE, logger)));
    await bus.ensureStream({ domain: SERVICE });
    // Audit entries go to the shared audit stream the tenant service reads.
    await bus.ensureStream({ domain: "audit" });
    // Events commit with the change they announce; the relay publishes them (any replica's).
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
    // Calls that forward no caller credential send this service's token.
    const clientOptions = { timeoutMs: 5_000, credentials: auth.serviceTokens };
    const tenants = createServiceClient(TenantService, config.tenantServiceUrl, clientOptions);
    const server = buildServer({
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
      requestIds: createRequestIds(SCHEMA),
    });
    // Listens last, so it closes first: no new requests while the rest drains.
    const port = await server.listen(config.port, config.host);
    resources.onClose("server", () => server.close());
    logger.info({ port }, "assistant service listening");
    return { port, stop: resources.closeAll };
  });
}

if (import.meta.main) await runService({ name: SERVICE, loadConfig, start });
