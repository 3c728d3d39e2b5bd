// Auth
export type { AccessState } from "./auth/access-state.js";
export { actorOf } from "./auth/actor-of.js";
export type { ApiKeyCache, ApiKeyCacheOptions, ApiKeyIntrospection } from "./auth/api-key-cache.js";
export { API_KEY_PREFIX, createApiKeyCache } from "./auth/api-key-cache.js";
export {
  INVALID_CREDENTIALS,
  InvalidCredentialsError,
  NOT_ALLOWED,
} from "./auth/auth-errors.js";
export type { AuthInterceptorOptions } from "./auth/auth-interceptor.js";
export { createAuthInterceptor } from "./auth/auth-interceptor.js";
export type { TenantPrincipal } from "./auth/authorize.js";
export { callerTenant } from "./auth/caller-tenant.js";
export type { Clock } from "./auth/clock.js";
export type { PresentedCredential } from "./auth/credentials.js";
export { API_KEY_HEADER, AUTHORIZATION_HEADER, readCredential } from "./auth/credentials.js";
export { createCredentialsInterceptor } from "./auth/credentials-interceptor.js";
export type { JwksVerifierOptions } from "./auth/jwks-verifier.js";
export { createJwksVerifier } from "./auth/jwks-verifier.js";
export type { KeySetVerifierOptions } from "./auth/key-set-verifier.js";
export { createKeySetVerifier } from "./auth/key-set-verifier.js";
export type { Policy, PolicyRules, Rule } from "./auth/policy.js";
export { definePolicy, methodsWithoutRule, policyOf, ruleOf } from "./auth/policy.js";
export type {
  ApiKeyPrincipal,
  Principal,
  Role,
  ServicePrincipal,
  TokenPrincipal,
  UserPrincipal,
  VisitorPrincipal,
} from "./auth/principal.js";
export { credentialKey, isRole, principalKey, principalOf, ROLES, roleAtLeast } from "./auth/principal.js";
export { requireWorkspace } from "./auth/require-workspace.js";
export type {
  IssuedToken,
  ServiceTokenSource,
  ServiceTokenSourceOptions,
} from "./auth/service-token-source.js";
export { createServiceTokenSource } from "./auth/service-token-source.js";
export type { SuspendedTenants } from "./auth/suspended-tenants.js";
export { createSuspendedTenants } from "./auth/suspended-tenants.js";
export { introspectionFrom, issuedTokenFrom } from "./auth/tenant-answers.js";
export type { TenantAuth, TenantAuthOptions } from "./auth/tenant-auth.js";
export { createTenantAuth } from "./auth/tenant-auth.js";
export { principalFromClaims, TOKEN_TYPES } from "./auth/token-claims.js";
export type { TokenVerifier, VerifierClaims } from "./auth/token-verifier.js";
export type { AccessChangesOptions, AccessWatch } from "./auth/watch-access-changes.js";
export { ACCESS_REPLAY_MS, watchAccessChanges } from "./auth/watch-access-changes.js";
export type { WorkspaceDirectory, WorkspaceDirectoryOptions } from "./auth/workspace-directory.js";
export { createWorkspaceDirectory } from "./auth/workspace-directory.js";
export type { SetOptions, TtlCache, TtlCacheOptions } from "./cache/ttl-cache.js";
export { createTtlCache } from "./cache/ttl-cache.js";
export { createCorrelationForwarder, forwardCallOptions, withCorrelationId } from "./client/call-options.js";
// Clients
export type { ServiceClientOptions } from "./client/create-service-client.js";
export { createServiceClient } from "./client/create-service-client.js";
// Config
export type { AuthConfig } from "./config/auth-config.js";
export { authConfigOf, authConfigSpec, devServiceCredential } from "./config/auth-config.js";
export { busOptionsOf } from "./config/bus-options.js";
export type {
  CommonConfig,
  CommonConfigDefaults,
  LogLevel,
  OtelExporter,
  RedisConfig,
} from "./config/common-config.js";
export {
  commonConfigOf,
  commonConfigSpec,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_MAX_RETRIES_PER_REQUEST,
  LOG_LEVELS,
  OTEL_EXPORTERS,
  redisConfigOf,
  redisConfigSpec,
} from "./config/common-config.js";
export type { EnvVar, ParseResult, Presence } from "./config/env-var.js";
export { bool, int, oneOf, secret, str, url } from "./config/env-var.js";
export type { OutboxConfig } from "./config/outbox-config.js";
export { outboxConfigOf, outboxConfigSpec } from "./config/outbox-config.js";
export type { ConfigOf, ConfigSpec } from "./config/read-config.js";
export { ConfigError, readConfig } from "./config/read-config.js";
export { redactConfig, redactUrlCredentials } from "./config/redact.js";
export { Secret } from "./config/secret.js";
// Errors
export {
  alreadyExists,
  commonError,
  etagMismatch,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  planLimitReached,
  rateLimited,
  unauthenticated,
  unavailable,
} from "./errors/common-errors.js";
export { asConnectError, errorInfoOf, withReason } from "./errors/error-info.js";
export type { ErrorMetadata, ReasonInfo } from "./errors/reason-error.js";
export { reasonError, reasonInfo } from "./errors/reason-error.js";
// Concurrent edits (AIP-154)
export { assertEtag, etagOf } from "./etag/etag.js";
// Retried creates and actions (AIP-155)
export { oncePerRequest } from "./idempotency/once-per-request.js";
// Lifecycle
export type { Lifecycle, LifecycleOptions, ShutdownStep } from "./lifecycle/create-lifecycle.js";
export { createLifecycle } from "./lifecycle/create-lifecycle.js";
export type {
  KeyLimit,
  KeyVerdict,
  Limiter,
  LimitVerdict,
  RateKeyLimit,
  TakeOptions,
  WindowKeyLimit,
} from "./limits/limiter.js";
export { createLimiter } from "./limits/limiter.js";
// Client messages (MessageInput -> Message)
export { messageFromInput } from "./messages/message-from-input.js";
export { advanceMessageStatus } from "./messages/message-status-order.js";
// Metrics
export { createRpcMetricsInterceptor } from "./metrics/rpc-metrics-interceptor.js";
// Paging (AIP-158)
export { graphUrl } from "./outbound/graph-url.js";
export {
  type GuardedGetOptions,
  type GuardedResponse,
  guardedGet,
  ResponseTooLarge,
} from "./outbound/guarded-get.js";
export {
  createOutboundGuard,
  isBlockedAddress,
  type OutboundGuard,
  type OutboundGuardOptions,
  OutboundUrlRefused,
} from "./outbound/outbound-guard.js";
export type { PageCursor, PageLimits } from "./paging/page.js";
export { decodePageToken, encodePageToken, filterKey, pageOf, pageSizeOf } from "./paging/page.js";
// Redis
export type { CreateRedisOptions } from "./redis/create-redis.js";
export { closeRedis, connectRedis, createRedis } from "./redis/create-redis.js";
export type { Closable, Resources } from "./run/create-resources.js";
export { createResources } from "./run/create-resources.js";
export type { RunServiceOptions, ServiceStartOptions, StoppableService } from "./run/run-service.js";
export { configErrorLine, runService } from "./run/run-service.js";
// Server
export { clientIp, type RequestHeaders, UNKNOWN_CLIENT } from "./server/client-ip.js";
export {
  CORRELATION_HEADER,
  correlationIdFrom,
  correlationIdKey,
  createCorrelationInterceptor,
} from "./server/correlation.js";
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
export type { SniffingListener } from "./server/protocol-sniffer.js";
export { createSniffingListener } from "./server/protocol-sniffer.js";
export { PayloadTooLargeError, readBody } from "./server/read-body.js";
export type { CheckResult, ReadinessCheck, ReadinessReport } from "./server/readiness.js";
export { runReadiness } from "./server/readiness.js";
