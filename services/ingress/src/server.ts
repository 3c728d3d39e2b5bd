import { WebhookService } from "@atendo/proto/ingress/v1";
import { type AtendoServer, createServer, type ReadinessCheck } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { createWebhookService, type WebhookServiceDeps } from "./handlers/webhook-service.js";
import { createWebhookRoutes, type WebhookRoutesDeps } from "./webhooks/webhook-routes.js";

export interface ServerDeps extends WebhookServiceDeps, WebhookRoutesDeps {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
}

/** RPCs, Meta webhook routes and readiness; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  return createServer({
    service: "ingress",
    logger: deps.logger,
    routes: (router) => {
      router.service(WebhookService, createWebhookService(deps));
    },
    http: createWebhookRoutes(deps),
    readiness: deps.readiness,
  });
}
