// Starts the real services an assistant test needs (tenant + assistant) on the shared test stack,
// each run isolated by its own bus namespace, Redis prefix and token issuer.

import { type Bus, connectBus } from "@atendo/bus";
import { AssistantDirectoryService, AssistantService, KnowledgeService } from "@atendo/proto/assistant/v1";
import { createLogger } from "@atendo/telemetry";
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

const ASSISTANT_SERVICES = {
  assistants: AssistantService,
  knowledge: KnowledgeService,
  directory: AssistantDirectoryService,
} as const;

/** Clients of the tenant and assistant services, all sending one caller's credential. */
export type Clients = ClientsOf<typeof ASSISTANT_SERVICES> & TenantClients;

export interface Stack {
  namespace: string;
  /** The issuer of this run's tokens (an assistant service must be started with it). */
  issuer: string;
  bus: Bus;
  tenantUrl: string;
  assistantUrl: string;
  /** Owners, members, API keys and service tokens issued by the tenant service; its platform admin. */
  identity: IdentityKit<Clients>;
  /** Clients sending `Authorization: Bearer <credential>` (a token or an API key). */
  as(credential: string): Clients;
  /** Clients sending no credentials. */
  anonymous: Clients;
  stop(): Promise<void>;
}

export const logger = createLogger({
  service: "assistant-test",
  level: (process.env.TEST_LOG_LEVEL as "debug" | "info" | "warn" | undefined) ?? "silent",
});

export interface StackOptions {
  /**
   * Leave the assistant service out: the test runs it itself (e.g. as a process) on this port,
   * which the clients call.
   */
  externalAssistantPort?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = testEnv();
  const namespace = uniqueNamespace("assistant");
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const tenant = await startTenantForTests({ namespace, logger });
    stops.push(() => tenant.stop());
    const { url: tenantUrl, issuer, adminEmail } = tenant;
    let assistantPort = options.externalAssistantPort;
    if (assistantPort === undefined) {
      const assistant = await start(
        loadConfig({
          PORT: "0",
          DATABASE_URL: env.appUrl("assistant"),
          MIGRATION_DATABASE_URL: env.ownerUrl,
          NATS_URL: env.natsUrl,
          BUS_NAMESPACE: namespace,
          TENANT_SERVICE_URL: tenantUrl,
          AUTH_ISSUER: issuer,
        }),
        { logger },
      );
      stops.push(() => assistant.stop());
      assistantPort = assistant.port;
    }
    const assistantUrl = `http://127.0.0.1:${assistantPort}`;
    const bus = await connectBus({ servers: env.natsUrl, name: "assistant-test", logger, namespace });
    stops.push(async () => {
      await bus.deleteNamespaceStreams();
      await bus.close();
    });

    const as = (credential?: string): Clients => ({
      ...clientsFor(assistantUrl, credential, ASSISTANT_SERVICES),
      ...clientsFor(tenantUrl, credential, TENANT_SERVICES),
    });
    return {
      namespace,
      issuer,
      bus,
      tenantUrl,
      assistantUrl,
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
