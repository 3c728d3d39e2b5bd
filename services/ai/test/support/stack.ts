// Starts the real services the ai tests need (tenant, assistant, conversation, ai) in-process on
// the shared test stack, isolated by one bus namespace, Redis prefix and token issuer, plus a test
// bus that publishes inputs and captures every event of interest.
import { loadConfig as loadAssistantConfig, start as startAssistant } from "@atendo/assistant";
import { type Bus, connectBus } from "@atendo/bus";
import { loadConfig as loadConversationConfig, start as startConversation } from "@atendo/conversation";
import { AiService } from "@atendo/proto/ai/v1";
import { AssistantDirectoryService, AssistantService } from "@atendo/proto/assistant/v1";
import { ConversationService, TurnContextService } from "@atendo/proto/conversation/v1";
import { createLogger, type Logger } from "@atendo/telemetry";
import {
  type ClientsOf,
  clientsFor,
  createIdentityKit,
  type IdentityKit,
  TENANT_SERVICES,
  type TenantClients,
  testEnv,
  uniqueNamespace,
} from "@atendo/testing";
import { startTenantForTests } from "@atendo/testing/tenant";
import { loadConfig, start } from "../../src/main.js";
import { type Capture, startCapture } from "./capture.js";

export const logger = createLogger({
  service: "ai-test",
  level: (process.env.TEST_LOG_LEVEL as "debug" | "info" | "warn" | undefined) ?? "silent",
});

/** Clients of every service of the test stack but the ai service's own: one client each. */
export type Clients = TenantClients &
  ClientsOf<{
    assistants: typeof AssistantService;
    directory: typeof AssistantDirectoryService;
    conversations: typeof ConversationService;
    turnContexts: typeof TurnContextService;
    ai: typeof AiService;
  }>;

/** A log line of an ai replica (pino's JSON, level as a label). */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** One ai process of the stack. */
export interface AiReplica {
  port: number;
  /** Its log lines, debug and up, when the stack runs several replicas (else empty). */
  lines: LogLine[];
}

export interface StackOptions {
  /** ai processes sharing the TurnReady consumer, each with its own caches (default 1). */
  aiReplicas?: number;
  /** ai variables over the stack's (e.g. longer cache TTLs). */
  aiEnv?: Record<string, string>;
}

export interface Stack {
  namespace: string;
  /** Where the tenant service answers. */
  tenantUrl: string;
  /** The ai processes; clients call the first. */
  ai: AiReplica[];
  bus: Bus;
  capture: Capture;
  /** Owners, members, API keys and service tokens issued by the tenant service; its platform admin. */
  identity: IdentityKit<Clients>;
  /** Clients sending `Authorization: Bearer <credential>` (a token or an API key). */
  as(credential: string): Clients;
  /** Clients sending no credentials. */
  anonymous: Clients;
  stop(): Promise<void>;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

/** A logger of one replica of several that keeps its lines, so a test can tell which did what. */
function keepingLogger(lines: LogLine[]): Logger {
  return createLogger({
    service: "ai",
    level: "debug",
    destination: { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) },
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = testEnv();
  const namespace = uniqueNamespace("ai");
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  // Runs last: the namespace's streams go once every service has let go of them.
  stops.push(async () => {
    const cleaner = await connectBus({ servers: env.natsUrl, name: "ai-test-cleanup", logger, namespace });
    await cleaner.deleteNamespaceStreams();
    await cleaner.close();
  });
  try {
    const tenant = await startTenantForTests({ namespace, logger });
    stops.push(() => tenant.stop());
    const { url: tenantUrl, adminEmail } = tenant;
    const common = {
      PORT: "0",
      MIGRATION_DATABASE_URL: env.ownerUrl,
      NATS_URL: env.natsUrl,
      BUS_NAMESPACE: namespace,
      AUTH_ISSUER: tenant.issuer,
    };
    const assistant = await startAssistant(
      loadAssistantConfig({
        ...common,
        DATABASE_URL: env.appUrl("assistant"),
        TENANT_SERVICE_URL: tenantUrl,
      }),
      { logger },
    );
    stops.push(() => assistant.stop());
    const conversation = await startConversation(
      loadConversationConfig({
        ...common,
        DATABASE_URL: env.appUrl("conversation"),
        REDIS_URL: env.redisUrl,
        REDIS_KEY_PREFIX: `${namespace}:conversation:`,
        TENANT_SERVICE_URL: tenantUrl,
        BUFFER_WINDOW_MS: "150",
        BUFFER_POLL_MS: "20",
      }),
      { logger },
    );
    stops.push(() => conversation.stop());
    const aiConfig = loadConfig({
      ...common,
      DATABASE_URL: env.appUrl("ai"),
      TENANT_SERVICE_URL: tenantUrl,
      ASSISTANT_SERVICE_URL: url(assistant.port),
      CONVERSATION_SERVICE_URL: url(conversation.port),
      ASSISTANT_CACHE_TTL_MS: "1000",
      // A raised plan limit applies within a fraction of a second (60 s in production).
      PLAN_LIMITS_CACHE_TTL_MS: "200",
      // One turn at a time: a turn answered proves every turn published before it was handled.
      TURN_CONCURRENCY: "1",
      ...options.aiEnv,
    });
    const replicas: AiReplica[] = [];
    for (let i = 0; i < (options.aiReplicas ?? 1); i++) {
      const lines: LogLine[] = [];
      const replica = await start(aiConfig, {
        logger: options.aiReplicas === undefined ? logger : keepingLogger(lines),
      });
      stops.push(() => replica.stop());
      replicas.push({ port: replica.port, lines });
    }
    const ai = replicas[0] as AiReplica;

    const bus = await connectBus({ servers: env.natsUrl, name: "ai-test", logger, namespace });
    stops.push(() => bus.close());
    const capture = await startCapture(bus);

    const as = (credential?: string): Clients => ({
      ...clientsFor(tenantUrl, credential, TENANT_SERVICES),
      ...clientsFor(url(assistant.port), credential, {
        assistants: AssistantService,
        directory: AssistantDirectoryService,
      }),
      ...clientsFor(url(conversation.port), credential, {
        conversations: ConversationService,
        turnContexts: TurnContextService,
      }),
      ...clientsFor(url(ai.port), credential, { ai: AiService }),
    });
    return {
      namespace,
      tenantUrl,
      ai: replicas,
      bus,
      capture,
      identity: createIdentityKit({ tenantUrl, clients: as, platformAdmin: { email: adminEmail } }),
      as,
      anonymous: as(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
