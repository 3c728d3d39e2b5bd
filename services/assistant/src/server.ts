import type { Bus } from "@atendo/bus";
import type { Db } from "@atendo/db";
import { AssistantService } from "@atendo/proto/assistant/v1";
import { type AtendoServer, createServer } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { type AssistantServiceDeps, createAssistantService } from "./handlers/assistant-service.js";

export interface ServerDeps extends AssistantServiceDeps {
  logger: Logger;
  db: Db;
  bus: Pick<Bus, "ping">;
}

/** Routes, interceptors and readiness of the assistant service; nothing listens yet. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "assistant",
    logger: deps.logger,
    routes: (router) => router.service(AssistantService, createAssistantService(deps)),
    readiness: [
      { name: "postgres", check: (signal) => deps.db.ping(signal) },
      { name: "nats", check: () => deps.bus.ping() },
    ],
  });
}
