// Starts the real conversation service in-process on the shared test stack, isolated by its own bus
// namespace and Redis prefix, with a test bus that publishes input events and captures outputs.
import { type Bus, connectBus } from "@atendo/bus";
import {
  AnalyticsService,
  ContactService,
  ContactUpdatedSchema,
  ConversationDirectoryService,
  ConversationHandedOffSchema,
  ConversationOpenedSchema,
  ConversationReopenedSchema,
  ConversationService,
  MessageStoredSchema,
  MessageUpdatedSchema,
  OutboundCreatedSchema,
  TurnContextService,
  TurnReadySchema,
} from "@atendo/proto/conversation/v1";
import {
  type ClientsOf,
  clientsFor,
  createIdentityKit,
  type IdentityKit,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueNamespace,
  waitFor,
} from "@atendo/testing";
import { startTenantForTests, type TenantForTests } from "@atendo/testing/tenant";
import type { MessageShape } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import { loadConfig, type RunningService, start } from "../../src/main.js";
import { createLogCapture, type LogCapture } from "./log-capture.js";

const CAPTURED = [
  TurnReadySchema,
  OutboundCreatedSchema,
  MessageStoredSchema,
  ConversationOpenedSchema,
  ConversationReopenedSchema,
  ConversationHandedOffSchema,
  ContactUpdatedSchema,
  MessageUpdatedSchema,
] as const;
type CapturedSchema = (typeof CAPTURED)[number];
type CapturedEvent = MessageShape<CapturedSchema>;

export interface Captured {
  /** Every captured event with when the test saw it. */
  readonly all: Array<{ event: CapturedEvent; at: number }>;
  of<S extends CapturedSchema>(schema: S): Array<MessageShape<S>>;
}

const CONVERSATION_SERVICES = {
  conversations: ConversationService,
  contacts: ContactService,
  analytics: AnalyticsService,
  turnContexts: TurnContextService,
  directory: ConversationDirectoryService,
} as const;

/** Clients of the conversation service and of the tenant service, all sending one credential. */
export type Clients = ClientsOf<typeof CONVERSATION_SERVICES> & TenantClients;

export interface Harness {
  namespace: string;
  keyPrefix: string;
  url: string;
  /** Where the tenant service answers (`withTenant` only). */
  tenantUrl: string;
  bus: Bus;
  redis: Redis;
  captured: Captured;
  /** Every log line of the service (debug and up). */
  logs: LogCapture;
  /** Resolves once the service's consumer finished `count` deliveries of the event. */
  handled(eventId: string | undefined, count?: number): Promise<void>;
  /** Clients sending `credential` as a bearer token (a JWT or an API key). */
  as(credential: string): Clients;
  /** Clients sending no credentials. */
  anonymous: Clients;
  /** Owners, members, API keys and service tokens issued by the tenant service (`withTenant` only). */
  identity: IdentityKit<Clients>;
  stop(): Promise<void>;
}

// Where a suite started without the tenant service sends its lookups: nowhere (no RPC is called).
const NO_TENANT_URL = "http://127.0.0.1:1";

function createCapture(): Captured & { push(event: CapturedEvent): void } {
  const all: Array<{ event: CapturedEvent; at: number }> = [];
  return {
    all,
    push(event) {
      all.push({ event, at: Date.now() });
    },
    of<S extends CapturedSchema>(schema: S) {
      return all.filter((e) => e.event.$typeName === schema.typeName).map((e) => e.event as MessageShape<S>);
    },
  };
}

/** The service's environment on the test stack; `env` overrides (e.g. BUFFER_WINDOW_MS). */
export function testVariables(namespace: string, env: Record<string, string> = {}): Record<string, string> {
  const t = testEnv();
  return {
    PORT: "0",
    DATABASE_URL: t.appUrl("conversation"),
    MIGRATION_DATABASE_URL: t.ownerUrl,
    REDIS_URL: t.redisUrl,
    NATS_URL: t.natsUrl,
    BUS_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:`,
    BUFFER_WINDOW_MS: "300",
    BUFFER_POLL_MS: "50",
    // Off unless a test turns it on: a sweep sees every tenant's pending turns in the shared database.
    SWEEP_INTERVAL_MS: "0",
    ...env,
  };
}

/**
 * `withTenant` also starts the real tenant service, which issues every credential the RPCs need
 * (suites that only publish and consume events do without).
 */
export async function startConversation(
  env: Record<string, string> = {},
  options: { withTenant?: boolean } = {},
): Promise<Harness> {
  const t = testEnv();
  const namespace = uniqueNamespace("conv");
  const logs = createLogCapture("conversation");
  const logger = logs.logger;
  // Undone in reverse; the service stops before its streams are deleted.
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const bus = await connectBus({ servers: t.natsUrl, name: "conversation-test", logger, namespace });
    stops.push(async () => {
      await bus.deleteNamespaceStreams();
      await bus.close();
    });
    const redis = new Redis(t.redisUrl);
    stops.push(async () => {
      const keys = await redis.keys(`${namespace}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    let tenant: TenantForTests | undefined;
    if (options.withTenant === true) {
      const started = await startTenantForTests({ namespace, logger: createLogCapture("tenant").logger });
      stops.push(() => started.stop());
      tenant = started;
    }
    const tenantUrl = tenant?.url ?? NO_TENANT_URL;
    const variables = testVariables(namespace, {
      TENANT_SERVICE_URL: tenantUrl,
      ...(tenant === undefined ? {} : { AUTH_ISSUER: tenant.issuer }),
      ...env,
    });
    const service: RunningService = await start(loadConfig(variables), { logger });
    stops.push(() => service.stop());
    const captured = createCapture();
    const consumer = await bus.consume({
      durable: "test-capture",
      schema: CAPTURED,
      concurrency: 1,
      handler: (event) => captured.push(event),
    });
    stops.push(() => consumer.stop());
    const url = `http://127.0.0.1:${service.port}`;
    const as = (credential?: string): Clients => ({
      ...clientsFor(url, credential, CONVERSATION_SERVICES),
      ...clientsFor(tenantUrl, credential, TENANT_SERVICES),
    });
    const identity = createIdentityKit({
      tenantUrl,
      clients: as,
      ...(tenant === undefined ? {} : { platformAdmin: { email: tenant.adminEmail } }),
    });
    return {
      namespace,
      keyPrefix: `${namespace}:`,
      url,
      tenantUrl,
      bus,
      redis,
      captured,
      logs,
      async handled(eventId, count = 1) {
        await waitFor(
          () => logs.matching((l) => l.event_id === eventId && l.msg === "event handled").length >= count,
          { message: `${count} handling(s) of event ${eventId}` },
        );
      },
      as,
      anonymous: as(),
      identity,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
