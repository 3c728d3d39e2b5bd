import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { AiService } from "@atendo/proto/ai/v1";
import { type AtendoServer, createServer } from "@atendo/service-kit";
import { type AiServiceDeps, createAiService } from "./handlers/ai-service.js";

export interface ServerDeps extends AiServiceDeps {
  db: Db;
  bus: Pick<Bus, "publish" | "ping">;
}

/** Routes, interceptors and readiness of the ai service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "ai",
    logger: deps.logger,
    routes: (router) => router.service(AiService, createAiService(deps)),
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
