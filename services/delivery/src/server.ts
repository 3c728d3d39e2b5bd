import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { DeliveryService, WebhookSubscriptionService } from "@atendo/proto/delivery/v1";
import { type AtendoServer, createAuthInterceptor, createServer, type TenantAuth } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { Redis } from "ioredis";
import { createDeliveryService, type DeliveryServiceDeps } from "./handlers/delivery-service.js";
import { POLICIES } from "./policies.js";

export interface ServerDeps extends DeliveryServiceDeps {
  logger: Logger;
  db: Db;
  bus: Pick<Bus, "ping" | "metrics">;
  redis: Pick<Redis, "ping">;
  /**
   * Token verification, API key introspection and workspace lookups (the tenant service), and the
   * suspended tenants whose credentials are refused (filled by watchAccessChanges).
   */
  auth: Pick<TenantAuth, "verifier" | "apiKeys" | "workspaces" | "suspendedTenants">;
}

/** Routes, interceptors and readiness of the delivery service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "delivery",
    logger: deps.logger,
    // RPC and bus metrics on one /metrics.
    metrics: deps.bus.metrics,
    routes: (router) =>
      router
        .service(DeliveryService, createDeliveryService(deps))
        // Routed so that its rules already answer; Connect answers unimplemented past them.
        .service(WebhookSubscriptionService, {}),
    interceptors: [createAuthInterceptor({ ...deps.auth, policies: POLICIES, logger: deps.logger })],
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "redis", check: async () => void (await deps.redis.ping()) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
