import { createServer as createHttp1Server } from "node:http";
import type { Http2Session } from "node:http2";
import { createServer as createHttp2Server } from "node:http2";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@atendo/proto/health/v1";
import {
  createMetricsRegistry,
  createPrometheusScraper,
  type MetricsRegistry,
  type MetricsSource,
} from "@atendo/telemetry";
import type { Validator } from "@bufbuild/protovalidate";
import type { ConnectRouter, Interceptor, Transport } from "@connectrpc/connect";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { createHealthService } from "./health-service.js";
import type { HealthState } from "./health-state.js";
import { createHealthState } from "./health-state.js";
import type { HttpHook } from "./http-hook.js";
import { createHttpHookRunner } from "./http-hook.js";
import { createServerInterceptors } from "./interceptors.js";
import type { NodeHandler, NodeResponse } from "./node-http.js";
import { closeAfterResponse, pathOf } from "./node-http.js";
import { createProbeHandler } from "./probes.js";
import { createSniffingListener } from "./protocol-sniffer.js";
import type { ReadinessCheck } from "./readiness.js";
import { createRequestTracker } from "./request-tracker.js";

export interface ServerOptions {
  /** The service's name, for logs ("tenant"). */
  service: string;
  logger: Logger;
  /** Registers the service's RPC implementations. */
  routes: (router: ConnectRouter) => void;
  /** The service's own interceptors (authentication, ...): after error mapping, before validation. */
  interceptors?: readonly Interceptor[];
  /** Checked in parallel by `GET /readyz`. */
  readiness?: readonly ReadinessCheck[];
  /** Plain HTTP routes (Meta webhooks, ...): return false when the request is not handled. */
  http?: HttpHook;
  /** Largest request message (RPC) or body (plain HTTP). Default 4 MiB, like gRPC's default. */
  maxBodyBytes?: number;
  /** Per readiness check. Default 2 s. */
  readinessTimeoutMs?: number;
  /** How long close() lets requests in flight finish before cutting them. Default 10 s. */
  shutdownGraceMs?: number;
  /** Connections that send nothing this long after connecting are dropped. Default 10 s. */
  idleConnectTimeoutMs?: number;
  /** protovalidate validator; pass one built with a registry when rules use predefined extensions. */
  validator?: Validator;
  /**
   * Where RPC metrics are recorded, and what `GET /metrics` serves: the process's registry (e.g.
   * `bus.metrics`, so RPC and bus metrics share one scrape). Default: a registry of the server's own.
   */
  metrics?: MetricsRegistry;
  /** More sources served on the same `GET /metrics` (another component's own registry). */
  metricsSources?: readonly MetricsSource[];
}

export interface AtendoServer {
  /** Binds one port for gRPC (h2c), gRPC-web and Connect (HTTP/1.1 and h2c); 0 picks a free port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Marks every service NOT_SERVING, stops accepting connections, lets requests in flight finish
   * (streams end with `unavailable`), then closes every connection. Safe to call more than once.
   */
  close(): Promise<void>;
  /** The request handler behind the port (also usable with any node:http or node:http2 server). */
  handler: NodeHandler;
  /** Health RPC plus the service's routes, for `createRouterTransport` or another adapter. */
  routes: (router: ConnectRouter) => void;
  /** The interceptor chain the server applies. */
  interceptors: readonly Interceptor[];
  /** An in-memory transport through the same routes and interceptors: handler tests need no port. */
  transport(): Transport;
  /** grpc.health.v1 statuses; every routed service and "" start SERVING. */
  health: HealthState;
  /** The registry the server records RPC metrics into (given or its own). */
  metrics: MetricsRegistry;
}

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Builds the server of one service; nothing listens until `listen()`. */
export function createServer(options: ServerOptions): AtendoServer {
  const { logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const graceMs = options.shutdownGraceMs ?? 10_000;

  const health = createHealthState();
  const healthService = createHealthService(health);
  const metrics = options.metrics ?? createMetricsRegistry({ service: options.service });
  const interceptors = createServerInterceptors({
    logger,
    meterProvider: metrics.meterProvider,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.validator ? { validator: options.validator } : {}),
  });
  const routes = (router: ConnectRouter): void => {
    router.service(Health, healthService);
    options.routes(router);
  };
  const routerOptions = { interceptors, readMaxBytes: maxBodyBytes };

  let shuttingDown = false;
  // Aborting it aborts every handler's ctx.signal: how long-lived streams learn to end.
  const shutdownController = new AbortController();
  const probes = createProbeHandler({
    readiness: options.readiness ?? [],
    timeoutMs: options.readinessTimeoutMs ?? 2000,
    isShuttingDown: () => shuttingDown,
    metrics: createPrometheusScraper([metrics, ...(options.metricsSources ?? [])]),
    logger,
  });
  const runHook = createHttpHookRunner({ hook: options.http, maxBodyBytes, logger });

  let streamingPaths = new Set<string>();
  const adapter = connectNodeAdapter({
    ...routerOptions,
    shutdownSignal: shutdownController.signal,
    routes(router) {
      routes(router);
      streamingPaths = new Set(
        router.handlers.filter((h) => h.method.methodKind !== "unary").map((h) => h.requestPath),
      );
      health.set("", ServingStatus.SERVING);
      for (const h of router.handlers) health.set(h.service.typeName, ServingStatus.SERVING);
    },
    fallback(req, res) {
      if (!probes(req, res)) runHook(req, res);
    },
  });

  const http1 = createHttp1Server();
  const http2 = createHttp2Server();
  const sessions = new Set<Http2Session>();
  const tracker = createRequestTracker();

  // During shutdown, HTTP/1.1 connections must not be reused: ask for close on responses not yet
  // started, and close keep-alive connections as soon as their response ends.
  const drainConnectionOf = (res: NodeResponse): void => {
    closeAfterResponse(res);
    res.once("close", () => setImmediate(() => http1.closeIdleConnections()));
  };

  const handler: NodeHandler = (req, res) => {
    tracker.track(res, streamingPaths.has(pathOf(req)));
    if (shuttingDown) drainConnectionOf(res);
    adapter(req, res);
  };
  http1.on("request", handler);
  http2.on("request", handler);
  http2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (shuttingDown) session.close();
  });

  const listener = createSniffingListener({
    onHttp1: (socket) => http1.emit("connection", socket),
    onHttp2: (socket) => http2.emit("connection", socket),
    sniffTimeoutMs: options.idleConnectTimeoutMs ?? 10_000,
  });
  listener.server.on("error", (err) => logger.error({ err }, "listener error"));
  let listening = false;

  const listen = (port: number, host = "127.0.0.1"): Promise<number> =>
    new Promise((resolve, reject) => {
      if (shuttingDown) {
        reject(new Error("server is closed"));
        return;
      }
      const onError = (err: Error): void => reject(err);
      listener.server.once("error", onError);
      listener.server.listen(port, host, () => {
        listener.server.off("error", onError);
        listening = true;
        // The HTTP/1 server never listens itself; 'listening' is what starts its own connection
        // tracking (header and request timeouts, closeIdleConnections).
        http1.emit("listening");
        const address = listener.server.address();
        const bound = typeof address === "object" && address !== null ? address.port : port;
        logger.info({ service: options.service, host, port: bound }, "listening");
        resolve(bound);
      });
    });

  const allClosed = (): Promise<void> =>
    new Promise((resolve) => {
      if (!listening) {
        resolve();
        return;
      }
      listener.server.close(() => resolve());
    });

  const shutdown = async (): Promise<void> => {
    shuttingDown = true;
    health.setAll(ServingStatus.NOT_SERVING);
    const closed = allClosed();
    http1.close(); // closes idle keep-alive connections; busy ones close after their response
    for (const res of tracker.responses()) drainConnectionOf(res);
    for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones finish
    if (!(await tracker.whenFinished(graceMs))) {
      logger.warn({ inFlight: tracker.finishing }, "shutdown grace period over: cutting requests in flight");
    }
    shutdownController.abort(new ConnectError("server is shutting down", Code.Unavailable));
    http1.closeIdleConnections();
    // Give ended streams a moment to flush their last frames before connections are cut.
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 1000);
      }),
    ]);
    clearTimeout(timer);
    if (!flushed) {
      for (const session of sessions) session.destroy();
      for (const socket of listener.sockets) socket.destroy();
      await closed;
    }
    logger.info({ service: options.service }, "server closed");
  };
  let closing: Promise<void> | undefined;

  return {
    listen,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
    handler,
    routes,
    interceptors,
    transport: () => createRouterTransport(routes, { router: routerOptions }),
    health,
    metrics,
  };
}
