import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import {
  AnalyticsService,
  ContactService,
  ConversationDirectoryService,
  ConversationService,
  TurnContextService,
} from "@atendo/proto/conversation/v1";
import { type AtendoServer, createAuthInterceptor, createServer, type TenantAuth } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { Redis } from "ioredis";
import { createConversationDirectoryService } from "./handlers/conversation-directory-service.js";
import { createConversationService } from "./handlers/conversation-service.js";
import { createTurnContextService } from "./handlers/turn-context-service.js";
import { POLICIES } from "./policies.js";

export interface ServerDeps {
  logger: Logger;
  db: Db;
  bus: Bus;
  redis: Redis;
  /**
   * Token verification, API key introspection and workspace lookups, backed by the tenant service,
   * and the suspended tenants `watchAccessChanges` keeps current.
   */
  auth: Pick<TenantAuth, "verifier" | "apiKeys" | "workspaces" | "suspendedTenants">;
}

/** Routes, the auth interceptor and readiness of the conversation service; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "conversation",
    logger: deps.logger,
    // RPC and bus metrics on one /metrics.
    metrics: deps.bus.metrics,
    routes(router) {
      router.service(ConversationService, createConversationService({ db: deps.db }));
      // Internal: the ai service only (its rule in policies.ts); no edge routes it.
      router.service(TurnContextService, createTurnContextService({ db: deps.db }));
      // Internal: ingress only (widget sessions open their conversation ahead of the first message).
      router.service(ConversationDirectoryService, createConversationDirectoryService({ db: deps.db }));
      // No RPC of these is built yet. Routed all the same, so every call meets its policy first
      // (a caller without the right learns that, not that the RPC is missing); Connect answers
      // `unimplemented` to the callers that pass.
      router.service(ContactService, {});
      router.service(AnalyticsService, {});
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
      { name: "redis", check: async () => void (await deps.redis.ping()) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
