import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { AiService } from "@atendo/proto/ai/v1";
import { type AtendoServer, createAuthInterceptor, createServer, type TenantAuth } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { type AiServiceDeps, createAiService } from "./handlers/ai-service.js";
import { POLICIES } from "./policies.js";

export interface ServerDeps extends AiServiceDeps {
  logger: Logger;
  db: Db;
  bus: Pick<Bus, "encode" | "ping" | "metrics">;
  /** Token keys, API key introspection, workspace lookups and suspended tenants of the auth path. */
  auth: Pick<TenantAuth, "verifier" | "apiKeys" | "workspaces" | "suspendedTenants">;
}

/** Routes, interceptors and readiness of the ai service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "ai",
    logger: deps.logger,
    // RPC and bus metrics on one /metrics.
    metrics: deps.bus.metrics,
    routes: (router) => router.service(AiService, createAiService(deps)),
    interceptors: [
      createAuthInterceptor({
        verifier: deps.auth.verifier,
        apiKeys: deps.auth.apiKeys,
        workspaces: deps.auth.workspaces,
        suspendedTenants: deps.auth.suspendedTenants,
        policies: POLICIES,
        logger: deps.logger,
      }),
    ],
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
