import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { ConversationService } from "@atendo/proto/conversation/v1";
import { type AtendoServer, createServer } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { Redis } from "ioredis";
import type { TenantDirectory } from "./clients/tenant-directory.js";
import { createConversationService } from "./handlers/conversation-service.js";

export interface ServerDeps {
  logger: Logger;
  db: Db;
  bus: Bus;
  redis: Redis;
  tenants: TenantDirectory;
}

/** Routes and readiness of the conversation service; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "conversation",
    logger: deps.logger,
    routes: (router) =>
      router.service(ConversationService, createConversationService({ db: deps.db, tenants: deps.tenants })),
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "redis", check: async () => void (await deps.redis.ping()) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
