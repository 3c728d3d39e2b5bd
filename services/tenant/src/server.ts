import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { ChannelService, TenantService } from "@atendo/proto/tenant/v1";
import { type AtendoServer, createServer } from "@atendo/service-kit";
import type { Redis } from "ioredis";
import { createChannelService } from "./handlers/channel-service.js";
import type { HandlerDeps } from "./handlers/deps.js";
import { createTenantService } from "./handlers/tenant-service.js";

export interface ServerDeps extends HandlerDeps {
  bus: Bus;
  redis: Redis;
  db: Db;
}

/** Routes and readiness of the tenant service; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "tenant",
    logger: deps.logger,
    routes(router) {
      router.service(TenantService, createTenantService(deps));
      router.service(ChannelService, createChannelService(deps));
    },
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "nats", check: () => deps.bus.ping() },
      { name: "redis", check: async () => void (await deps.redis.ping()) },
    ],
  });
}
