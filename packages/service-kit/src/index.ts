// Config

export { createCorrelationForwarder, forwardCallOptions, withCorrelationId } from "./client/call-options.js";
// Clients
export type { ServiceClientOptions } from "./client/create-service-client.js";
export { createServiceClient } from "./client/create-service-client.js";
export type { CommonConfigDefaults, LogLevel, OtelExporter } from "./config/common-config.js";
export { commonConfigSpec, LOG_LEVELS, OTEL_EXPORTERS } from "./config/common-config.js";
export type { EnvVar, ParseResult, Presence } from "./config/env-var.js";
export { bool, int, oneOf, secret, str, url } from "./config/env-var.js";
export type { ConfigOf, ConfigSpec } from "./config/read-config.js";
export { ConfigError, readConfig } from "./config/read-config.js";
export { redactConfig, redactUrlCredentials } from "./config/redact.js";
export { Secret } from "./config/secret.js";
// Errors
export {
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  unauthenticated,
  unavailable,
} from "./errors.js";
// Lifecycle
export type { Lifecycle, LifecycleOptions, ShutdownStep } from "./lifecycle/create-lifecycle.js";
export { createLifecycle } from "./lifecycle/create-lifecycle.js";
export {
  CORRELATION_HEADER,
  correlationIdFrom,
  correlationIdKey,
  createCorrelationInterceptor,
} from "./server/correlation.js";
// Server
export type { AtendoServer, ServerOptions } from "./server/create-server.js";
export { createServer } from "./server/create-server.js";
export { createErrorInterceptor } from "./server/error-interceptor.js";
export { createHealthService } from "./server/health-service.js";
export type { HealthState } from "./server/health-state.js";
export { createHealthState } from "./server/health-state.js";
export type { HttpContext, HttpHook } from "./server/http-hook.js";
export { createServerInterceptors } from "./server/interceptors.js";
export { createLoggingInterceptor } from "./server/logging-interceptor.js";
export type { NodeHandler, NodeRequest, NodeResponse } from "./server/node-http.js";
export { pathOf, sendJson, sendText } from "./server/node-http.js";
export { PayloadTooLargeError, readBody } from "./server/read-body.js";
export type { CheckResult, ReadinessCheck, ReadinessReport } from "./server/readiness.js";
export { runReadiness } from "./server/readiness.js";
