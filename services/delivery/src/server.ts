import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { DeliveryService } from "@atendo/proto/delivery/v1";
import { type AtendoServer, createServer } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import type { Redis } from "ioredis";
import { createDeliveryService, type DeliveryServiceDeps } from "./handlers/delivery-service.js";

export interface ServerDeps extends DeliveryServiceDeps {
  logger: Logger;
  db: Db;
  bus: Pick<Bus, "ping">;
  redis: Pick<Redis, "ping">;
}

/** Routes, interceptors and readiness of the delivery service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "delivery",
    logger: deps.logger,
    routes: (router) => router.service(DeliveryService, createDeliveryService(deps)),
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "redis", check: async () => void (await deps.redis.ping()) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
