import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { AssistantDirectoryService, AssistantService, KnowledgeService } from "@atendo/proto/assistant/v1";
import { type AtendoServer, createAuthInterceptor, createServer, type TenantAuth } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { type AssistantServiceDeps, createAssistantService } from "./handlers/assistant-service.js";
import { createDirectoryService } from "./handlers/directory-service.js";
import { POLICIES } from "./policies.js";

export interface ServerDeps extends AssistantServiceDeps {
  logger: Logger;
  db: Db;
  bus: Pick<Bus, "ping" | "metrics">;
  /** Token keys, API key introspection, workspace lookups and suspended tenants of the auth path. */
  auth: Pick<TenantAuth, "verifier" | "apiKeys" | "workspaces" | "suspendedTenants">;
}

/** Routes, interceptors and readiness of the assistant service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "assistant",
    logger: deps.logger,
    // RPC and bus metrics on one /metrics.
    metrics: deps.bus.metrics,
    routes: (router) => {
      router.service(AssistantService, createAssistantService(deps));
      router.service(AssistantDirectoryService, createDirectoryService(deps));
      // Routed without handlers yet: callers get their policy's answer, then `unimplemented`.
      router.service(KnowledgeService, {});
    },
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
