import { MediaService, WebhookService, WidgetService } from "@atendo/proto/ingress/v1";
import {
  type AtendoServer,
  createAuthInterceptor,
  createServer,
  type HttpHook,
  type ReadinessCheck,
  type TenantAuth,
} from "@atendo/service-kit";
import type { Logger, MetricsRegistry } from "@atendo/telemetry";
import { createMediaService, type MediaServiceDeps } from "./handlers/media-service.js";
import { createWebhookService, type WebhookServiceDeps } from "./handlers/webhook-service.js";
import { createWidgetService, type WidgetDeps } from "./handlers/widget-service.js";
import { createMediaRoutes, type MediaRoutesDeps } from "./media/media-routes.js";
import { POLICIES } from "./policies.js";
import { createWebhookRoutes, type WebhookRoutesDeps } from "./webhooks/webhook-routes.js";
import { createUploadRoute } from "./widget/upload-route.js";

export interface ServerDeps extends WebhookServiceDeps, WebhookRoutesDeps, MediaServiceDeps, MediaRoutesDeps {
  logger: Logger;
  /** The auth path backed by the tenant service (JWKS, API keys, workspaces, suspended tenants). */
  auth: Pick<TenantAuth, "verifier" | "apiKeys" | "workspaces" | "suspendedTenants">;
  readiness: readonly ReadinessCheck[];
  /** The process's registry (the bus's), so RPC, bus and webhook metrics share one /metrics. */
  metrics: MetricsRegistry;
  /** The web-chat widget's handlers (docs/widget.md). */
  widget: WidgetDeps;
}

/** RPCs under their policies, Meta webhook routes and readiness; nothing listens until `listen()`. */
export function buildServer(deps: ServerDeps): AtendoServer {
  const { verifier, apiKeys, workspaces, suspendedTenants } = deps.auth;
  return createServer({
    service: "ingress",
    logger: deps.logger,
    metrics: deps.metrics,
    routes: (router) => {
      router.service(WebhookService, createWebhookService(deps));
      // Visitors (and StartSession's anonymous callers) pass the same auth interceptor: its policy
      // lets a visitor token reach the visitor methods only.
      router.service(WidgetService, createWidgetService(deps.widget));
      // Media: metadata and signed download URLs (the bytes are the /media/ route below).
      router.service(MediaService, createMediaService(deps));
    },
    interceptors: [
      createAuthInterceptor({
        verifier,
        apiKeys,
        workspaces,
        suspendedTenants,
        policies: POLICIES,
        logger: deps.logger,
      }),
    ],
    http: plainRoutes(deps),
    readiness: deps.readiness,
  });
}

/** Meta webhooks, the widget's upload PUTs, then signed media downloads; anything else is 404. */
function plainRoutes(deps: ServerDeps): HttpHook {
  const webhooks = createWebhookRoutes(deps);
  const uploads = createUploadRoute({
    db: deps.widget.db,
    verifier: deps.auth.verifier,
    suspendedTenants: deps.auth.suspendedTenants,
    uploads: deps.widget.uploads,
    logger: deps.logger,
  });
  const media = createMediaRoutes(deps);
  return async (req, res, ctx) =>
    (await webhooks(req, res, ctx)) || (await uploads(req, res, ctx)) || media(req, res, ctx);
}
