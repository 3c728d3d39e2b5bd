// The local edge: what Envoy (gateway-envoy/) does in Kubernetes, on one port for `npm run dev` and
// end-to-end tests. HTTP/1.1 and h2c share the port. Routes:
//   GET /healthz                               200 ok
//   /.well-known/jwks.json                     the tenant service (the public keys of Atendo tokens)
//   /webhooks/*                                ingress, over HTTP/1.1, bodies byte for byte
//   /media/*                                   ingress, over HTTP/1.1 (signed media downloads)
//   PUT /v1/widget/uploads/*                   ingress, over HTTP/1.1 (the widget's attachment bytes)
//   /atendo.<domain>.v1.<Service>/<Method>     the <domain> service over h2c (gRPC, gRPC-web, Connect)
//   internal RPCs                              404, like any unknown path: every path of an internal
//                                              service, and any RPC without a google.api.http rule
// CORS: preflights answered here for the configured origins; responses expose the gRPC/Connect headers.
// The web-chat widget's RPCs (WidgetService) run on the tenants' own sites: any origin is reflected
// there, and ingress checks it against the channel's allowed origins.
// X-Forwarded-For: the services get the client address the edge saw (edge/forwarded-for.ts); what a
// client wrote there itself is dropped unless it came through a trusted proxy.
// Bodies over a route's limit are answered 413 here, never sent on (edge/body-limit.ts): webhooks
// over ingress's limit, single-message RPC requests over the services' message limit (in the
// caller's protocol: resource_exhausted, HTTP 413 for Connect).
// REST transcoding (google.api.http) is Envoy's job and is not done here.
import { createServer as createHttp1Server, type IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2Session } from "node:http2";
import { createServer as createHttp2Server } from "node:http2";
import { createSniffingListener, type NodeRequest, type NodeResponse } from "@atendo/service-kit";
import {
  RPC_MAX_MESSAGE_BYTES,
  rpcBodyLimit,
  UPLOAD_MAX_BODY_BYTES,
  WEBHOOK_MAX_BODY_BYTES,
} from "./edge/body-limit.js";
import { CORS_ALLOWED_METHODS, createCorsPolicy } from "./edge/cors.js";
import type { EdgeLogger } from "./edge/edge-logger.js";
import { silentEdgeLogger } from "./edge/edge-logger.js";
import { createForwardedFor } from "./edge/forwarded-for.js";
import { createHttp1Proxy } from "./edge/http1-proxy.js";
import { plain } from "./edge/plain.js";
import { createRpcProxy } from "./edge/rpc-proxy.js";
import {
  clientStreamingRpcPaths,
  domainOfRpcPath,
  internalRpcPaths,
  internalServiceNames,
  serviceOfRpcPath,
} from "./rpc-catalog.js";

export type { EdgeLogger } from "./edge/edge-logger.js";

export interface EdgeOptions {
  /** Base URL of each domain's service: `{ tenant: "http://127.0.0.1:7101", ... }`. */
  upstreams: Readonly<Record<string, string>>;
  /** Where `/webhooks/*` goes; default `upstreams.ingress`. */
  webhooks?: string;
  /** Where `/.well-known/jwks.json` goes; default `upstreams.tenant`. */
  jwks?: string;
  /**
   * Addresses of proxies in front of the edge (a load balancer) whose X-Forwarded-For is kept;
   * default none: every client's own X-Forwarded-For is replaced by its socket address.
   */
  trustedProxies?: readonly string[];
  /** Browser origins allowed by CORS (`*` for any); default none. */
  corsOrigins?: readonly string[];
  /** RPC paths answered 404; default every internal RPC of the contracts. */
  internalPaths?: ReadonlySet<string>;
  /** Services whose every path is answered 404; default the contracts' internal services. */
  internalServices?: ReadonlySet<string>;
  /** Largest webhook (and other plain HTTP) body; default ingress's own default (3 MiB). */
  webhookMaxBodyBytes?: number;
  /** Largest widget upload body; default ingress's largest default media limit (100 MiB). */
  uploadMaxBodyBytes?: number;
  /** Largest request message of an RPC; default the services' own (4 MiB). */
  rpcMaxMessageBytes?: number;
  /** RPC paths whose request is a stream (no body limit here); default those of the contracts. */
  clientStreamingPaths?: ReadonlySet<string>;
  logger?: EdgeLogger;
  /** Called once per finished request (an access log); the path carries no query string. */
  onRequest?: (entry: EdgeAccessEntry) => void;
}

export interface EdgeAccessEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /**
   * The domain it went to, "webhooks", "jwks", "media", "uploads", or "edge" when the edge answered
   * itself.
   */
  route: string;
}

export interface Edge {
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, gives requests in flight `graceMs` (default 5 s), then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

export const JWKS_PATH = "/.well-known/jwks.json";
/** The widget's RPC paths: CORS for every origin (the service checks the channel's). */
export const WIDGET_PATH_PREFIX = "/atendo.ingress.v1.WidgetService/";
/** Where the widget PUTs an attachment's bytes (ingress's plain HTTP route), from any origin too. */
export const WIDGET_UPLOAD_PATH_PREFIX = "/v1/widget/uploads/";

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q === -1 ? u : u.slice(0, q);
}

export function createEdge(options: EdgeOptions): Edge {
  const logger = options.logger ?? silentEdgeLogger;
  const internal = options.internalPaths ?? internalRpcPaths();
  const internalServices = options.internalServices ?? internalServiceNames();
  const webhooks = options.webhooks ?? options.upstreams.ingress;
  const jwks = options.jwks ?? options.upstreams.tenant;
  const consoleCors = createCorsPolicy(options.corsOrigins ?? []);
  const widgetCors = createCorsPolicy(["*"]);
  const uploadCors = createCorsPolicy(["*"], [...CORS_ALLOWED_METHODS, "PUT"]);
  const corsFor = (path: string) =>
    path.startsWith(WIDGET_PATH_PREFIX)
      ? widgetCors
      : path.startsWith(WIDGET_UPLOAD_PATH_PREFIX)
        ? uploadCors
        : consoleCors;
  const forwardedFor = createForwardedFor(options.trustedProxies);
  const rpc = createRpcProxy(logger, forwardedFor);
  const http1Proxy = createHttp1Proxy(logger, forwardedFor);

  const webhookMax = options.webhookMaxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  const uploadMax = options.uploadMaxBodyBytes ?? UPLOAD_MAX_BODY_BYTES;
  const rpcMax = options.rpcMaxMessageBytes ?? RPC_MAX_MESSAGE_BYTES;
  const clientStreams = options.clientStreamingPaths ?? clientStreamingRpcPaths();

  const routeOf = (path: string): { kind: "rpc" | "http1"; upstream: string; name: string } | undefined => {
    if (path.startsWith("/webhooks/") && webhooks !== undefined) {
      return { kind: "http1", upstream: webhooks, name: "webhooks" };
    }
    if (path === JWKS_PATH && jwks !== undefined) return { kind: "http1", upstream: jwks, name: "jwks" };
    // Signed media downloads (GetMedia's URLs): plain HTTP GETs of ingress, authorized by the URL.
    if (path.startsWith("/media/") && options.upstreams.ingress !== undefined) {
      return { kind: "http1", upstream: options.upstreams.ingress, name: "media" };
    }
    // The widget's attachment bytes: plain HTTP PUTs of ingress, authorized by the visitor token.
    if (path.startsWith(WIDGET_UPLOAD_PATH_PREFIX) && options.upstreams.ingress !== undefined) {
      return { kind: "http1", upstream: options.upstreams.ingress, name: "uploads" };
    }
    const domain = domainOfRpcPath(path);
    if (domain === undefined || internal.has(path)) return undefined;
    if (internalServices.has(serviceOfRpcPath(path) ?? "")) return undefined;
    const upstream = options.upstreams[domain];
    return upstream === undefined ? undefined : { kind: "rpc", upstream, name: domain };
  };

  const handle = (req: NodeRequest, res: NodeResponse): void => {
    const started = performance.now();
    const path = pathOf(req.url);
    const method = req.method ?? "GET";
    let routeName = "edge";
    res.once("close", () => {
      // While closing, a keep-alive connection is closed as soon as its last response ends.
      if (closing) setImmediate(() => http1.closeIdleConnections());
      options.onRequest?.({
        method,
        path,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        route: routeName,
      });
    });
    if (path === "/healthz" && (method === "GET" || method === "HEAD")) {
      plain(res, 200, "ok\n");
      return;
    }
    const route = routeOf(path);
    const cors = corsFor(path);
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    if (route === undefined) {
      plain(res, 404, "not found\n", cors.responseHeaders(origin) ?? {});
      req.resume();
      return;
    }
    if (method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      const headers = cors.preflightHeaders(origin);
      if (headers === undefined) plain(res, 403, "origin not allowed\n");
      else {
        res.writeHead(204, headers);
        res.end();
      }
      req.resume();
      return;
    }
    routeName = route.name;
    const extra = cors.responseHeaders(origin) ?? {};
    if (route.kind === "http1") {
      http1Proxy.forward(req, res, route.upstream, extra, route.name === "uploads" ? uploadMax : webhookMax);
    } else {
      // Client streams are limited per message by the service, not as a whole here.
      const limit = clientStreams.has(path) ? undefined : rpcBodyLimit(req.headers["content-type"], rpcMax);
      rpc.forward(req, res, route.upstream, extra, limit);
    }
  };

  const http1 = createHttp1Server((req: IncomingMessage, res) => handle(req, res as NodeResponse));
  const http2 = createHttp2Server((req: Http2ServerRequest, res) => handle(req, res as NodeResponse));
  const sessions = new Set<Http2Session>();
  let closing = false;
  http2.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  const listener = createSniffingListener({
    onHttp1: (socket) => http1.emit("connection", socket),
    onHttp2: (socket) => http2.emit("connection", socket),
    sniffTimeoutMs: 10_000,
  });
  listener.server.on("error", (err) => logger.warn({ err: err.message }, "edge: listener error"));

  return {
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        listener.server.once("error", reject);
        listener.server.listen(port, host, () => {
          listener.server.off("error", reject);
          // http1 never listens itself; this starts its connection bookkeeping (idle closing).
          http1.emit("listening");
          const address = listener.server.address();
          resolve(typeof address === "object" && address !== null ? address.port : port);
        });
      }),
    close: async (graceMs = 5000) => {
      closing = true;
      const closed = new Promise<void>((resolve) => {
        if (!listener.server.listening) resolve();
        else listener.server.close(() => resolve());
      });
      http1.closeIdleConnections();
      for (const s of sessions) s.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      for (const s of sessions) s.destroy();
      for (const socket of listener.sockets) socket.destroy();
      await closed;
      rpc.close();
      http1Proxy.close();
    },
  };
}
