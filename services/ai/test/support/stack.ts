// Starts the real services the ai tests need (tenant, assistant, conversation, ai) in-process on
// the shared test stack, isolated by one bus namespace and Redis prefix, plus a test bus that
// publishes inputs and captures every event of interest.
import { loadConfig as loadAssistantConfig, start as startAssistant } from "@atendo/assistant";
import { type Bus, connectBus } from "@atendo/bus";
import { loadConfig as loadConversationConfig, start as startConversation } from "@atendo/conversation";
import { AiService } from "@atendo/proto/ai/v1";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { loadConfig as loadTenantConfig, start as startTenant } from "@atendo/tenant";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import { loadConfig, start } from "../../src/main.js";
import { type Capture, startCapture } from "./capture.js";

export const logger = createLogger({
  service: "ai-test",
  level: (process.env.TEST_LOG_LEVEL as "debug" | "info" | "warn" | undefined) ?? "silent",
});

export interface Stack {
  namespace: string;
  bus: Bus;
  capture: Capture;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  assistants: Client<typeof AssistantService>;
  conversations: Client<typeof ConversationService>;
  ai: Client<typeof AiService>;
  stop(): Promise<void>;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

export async function startStack(): Promise<Stack> {
  const env = testEnv();
  const namespace = uniqueNamespace("ai");
  const common = {
    PORT: "0",
    MIGRATION_DATABASE_URL: env.ownerUrl,
    NATS_URL: env.natsUrl,
    BUS_NAMESPACE: namespace,
  };
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
    const tenant = await startTenant(
      loadTenantConfig({
        ...common,
        DATABASE_URL: env.appUrl("tenant"),
        REDIS_URL: env.redisUrl,
        REDIS_KEY_PREFIX: `${namespace}:tenant:`,
      }),
      { logger },
    );
    stops.push(() => tenant.stop());
    const assistant = await startAssistant(
      loadAssistantConfig({
        ...common,
        DATABASE_URL: env.appUrl("assistant"),
        TENANT_SERVICE_URL: url(tenant.port),
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
        TENANT_SERVICE_URL: url(tenant.port),
        BUFFER_WINDOW_MS: "150",
        BUFFER_POLL_MS: "20",
      }),
      { logger },
    );
    stops.push(() => conversation.stop());
    const ai = await start(
      loadConfig({
        ...common,
        DATABASE_URL: env.appUrl("ai"),
        ASSISTANT_SERVICE_URL: url(assistant.port),
        CONVERSATION_SERVICE_URL: url(conversation.port),
        ASSISTANT_CACHE_TTL_MS: "1000",
        // One turn at a time: a turn answered proves every turn published before it was handled.
        TURN_CONCURRENCY: "1",
      }),
      { logger },
    );
    stops.push(() => ai.stop());

    const bus = await connectBus({ servers: env.natsUrl, name: "ai-test", logger, namespace });
    stops.push(() => bus.close());
    const capture = await startCapture(bus);
    return {
      namespace,
      bus,
      capture,
      tenants: createServiceClient(TenantService, url(tenant.port)),
      channels: createServiceClient(ChannelService, url(tenant.port)),
      assistants: createServiceClient(AssistantService, url(assistant.port)),
      conversations: createServiceClient(ConversationService, url(conversation.port)),
      ai: createServiceClient(AiService, url(ai.port)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
