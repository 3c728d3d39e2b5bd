// Starts the real services an assistant test needs (tenant + assistant) on the shared test stack,
// each run isolated by its own bus namespace and Redis prefix.
import { type Bus, connectBus } from "@atendo/bus";
import { newId } from "@atendo/db";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { ChannelService, Plan, TenantService } from "@atendo/proto/tenant/v1";
import { createServiceClient } from "@atendo/service-kit";
import { createLogger } from "@atendo/telemetry";
import { loadConfig as loadTenantConfig, start as startTenant } from "@atendo/tenant";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import type { Client } from "@connectrpc/connect";
import { loadConfig, start } from "../../src/main.js";

export interface Stack {
  namespace: string;
  bus: Bus;
  tenants: Client<typeof TenantService>;
  channels: Client<typeof ChannelService>;
  assistants: Client<typeof AssistantService>;
  stop(): Promise<void>;
}

export const logger = createLogger({
  service: "assistant-test",
  level: (process.env.TEST_LOG_LEVEL as "debug" | "info" | "warn" | undefined) ?? "silent",
});

export async function startStack(): Promise<Stack> {
  const env = testEnv();
  const namespace = uniqueNamespace("assistant");
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const tenant = await startTenant(
      loadTenantConfig({
        PORT: "0",
        DATABASE_URL: env.appUrl("tenant"),
        MIGRATION_DATABASE_URL: env.ownerUrl,
        REDIS_URL: env.redisUrl,
        REDIS_KEY_PREFIX: `${namespace}:`,
        NATS_URL: env.natsUrl,
        BUS_NAMESPACE: namespace,
      }),
      { logger },
    );
    stops.push(() => tenant.stop());
    const tenantUrl = `http://127.0.0.1:${tenant.port}`;
    const assistant = await start(
      loadConfig({
        PORT: "0",
        DATABASE_URL: env.appUrl("assistant"),
        MIGRATION_DATABASE_URL: env.ownerUrl,
        NATS_URL: env.natsUrl,
        BUS_NAMESPACE: namespace,
        TENANT_SERVICE_URL: tenantUrl,
      }),
      { logger },
    );
    stops.push(() => assistant.stop());
    const bus = await connectBus({ servers: env.natsUrl, name: "assistant-test", logger, namespace });
    stops.push(async () => {
      await bus.deleteNamespaceStreams();
      await bus.close();
    });
    return {
      namespace,
      bus,
      tenants: createServiceClient(TenantService, tenantUrl),
      channels: createServiceClient(ChannelService, tenantUrl),
      assistants: createServiceClient(AssistantService, `http://127.0.0.1:${assistant.port}`),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface Workspace {
  tenantId: string;
  workspaceId: string;
}

/** A new tenant (PRO plan unless told) with one workspace (pt-BR unless told). */
export async function createWorkspace(
  stack: Stack,
  options: { plan?: Plan; defaultLanguage?: string } = {},
): Promise<Workspace> {
  const plan = options.plan ?? Plan.PRO;
  const slug = uniqueNamespace("t").replace(/_/g, "-");
  const { tenant } = await stack.tenants.createTenant({ name: `Tenant ${slug}`, slug, plan });
  if (tenant === undefined) throw new Error("createTenant returned no tenant");
  const { workspace } = await stack.tenants.createWorkspace({
    tenantId: tenant.id,
    name: "Main",
    defaultLanguage: options.defaultLanguage ?? "pt-BR",
  });
  if (workspace === undefined) throw new Error("createWorkspace returned no workspace");
  return { tenantId: tenant.id, workspaceId: workspace.id };
}

/** A web-chat channel of the workspace (the simplest channel to create). */
export async function createChannel(stack: Stack, workspaceId: string): Promise<string> {
  const { channel } = await stack.channels.createChannel({
    workspaceId,
    name: `Site ${newId()}`,
    config: { case: "web", value: { allowedOrigins: [] } },
  });
  if (channel === undefined) throw new Error("createChannel returned no channel");
  return channel.id;
}
