// The six services started in this process (their own `start`), on random ports, one bus
// namespace, one Redis prefix and their own token issuer: faster than processes when a test needs
// every service but no crash. The local fakes of the outside world are not started here.
import { loadConfig as aiConfig, start as startAi } from "@atendo/ai";
import { loadConfig as assistantConfig, start as startAssistant } from "@atendo/assistant";
import { connectBus } from "@atendo/bus";
import { loadConfig as conversationConfig, start as startConversation } from "@atendo/conversation";
import { loadConfig as deliveryConfig, start as startDelivery } from "@atendo/delivery";
import { loadConfig as ingressConfig, start as startIngress } from "@atendo/ingress";
import { createLogger } from "@atendo/telemetry";
import { start as startTenant, loadConfig as tenantConfig } from "@atendo/tenant";
import { testEnv, uniqueNamespace } from "@atendo/testing";
import type { ServiceName } from "../../scripts/lib/stack.js";

export interface InProcessProduct {
  namespace: string;
  issuer: string;
  url(name: ServiceName): string;
  stop(): Promise<void>;
}

export async function startInProcess(options: {
  platformAdminEmail: string;
  /** Extra variables of the tenant service (e.g. a short signing-key grace). */
  tenant?: Record<string, string>;
}): Promise<InProcessProduct> {
  const env = testEnv();
  const namespace = uniqueNamespace("mx");
  const issuer = `atendo-test-${namespace}`;
  const logger = (service: string) => createLogger({ service, level: "silent" });
  const common = (service: ServiceName): Record<string, string> => ({
    DATABASE_URL: env.appUrl(service),
    MIGRATION_DATABASE_URL: env.ownerUrl,
    REDIS_URL: env.redisUrl,
    NATS_URL: env.natsUrl,
    PORT: "0",
    BUS_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:${service}:`,
    AUTH_ISSUER: issuer,
  });
  const stops: Array<() => Promise<void>> = [];
  const ports = new Map<ServiceName, number>();
  const url = (name: ServiceName): string => `http://127.0.0.1:${ports.get(name) ?? 0}`;
  try {
    const tenant = await startTenant(
      tenantConfig({
        ...common("tenant"),
        PLATFORM_ADMIN_EMAILS: options.platformAdminEmail,
        ...options.tenant,
      }),
      { logger: logger("tenant") },
    );
    stops.push(tenant.stop);
    ports.set("tenant", tenant.port);
    const calls = {
      TENANT_SERVICE_URL: url("tenant"),
    };
    const assistant = await startAssistant(assistantConfig({ ...common("assistant"), ...calls }), {
      logger: logger("assistant"),
    });
    stops.push(assistant.stop);
    ports.set("assistant", assistant.port);
    const conversation = await startConversation(
      conversationConfig({ ...common("conversation"), ...calls, SWEEP_INTERVAL_MS: "0" }),
      { logger: logger("conversation") },
    );
    stops.push(conversation.stop);
    ports.set("conversation", conversation.port);
    const others = await Promise.all([
      startIngress(ingressConfig({ ...common("ingress"), ...calls }), { logger: logger("ingress") }),
      startAi(
        aiConfig({
          ...common("ai"),
          ...calls,
          ASSISTANT_SERVICE_URL: url("assistant"),
          CONVERSATION_SERVICE_URL: url("conversation"),
        }),
        { logger: logger("ai") },
      ),
      startDelivery(deliveryConfig({ ...common("delivery"), ...calls }), { logger: logger("delivery") }),
    ]);
    const [ingress, ai, delivery] = others;
    stops.push(ingress.stop, ai.stop, delivery.stop);
    ports.set("ingress", ingress.port);
    ports.set("ai", ai.port);
    ports.set("delivery", delivery.port);
  } catch (err) {
    await Promise.allSettled(stops.map((s) => s()));
    throw err;
  }
  return {
    namespace,
    issuer,
    url,
    async stop() {
      // Reverse order: the tenant service (keys, workspaces) goes last.
      for (const stop of [...stops].reverse()) await stop();
      const bus = await connectBus({
        servers: env.natsUrl,
        name: "mx-cleanup",
        namespace,
        logger: logger("mx"),
      });
      await bus.deleteNamespaceStreams();
      await bus.close();
    },
  };
}
