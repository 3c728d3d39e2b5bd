import type { DescService } from "@bufbuild/protobuf";
import type { Client, Interceptor } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createCredentialsInterceptor } from "../auth/credentials-interceptor.js";
import type { ServiceTokenSource } from "../auth/service-token-source.js";
import { createCorrelationForwarder } from "./call-options.js";

export interface ServiceClientOptions {
  /** Sent on calls that forward no caller credential (consumers, background work). */
  credentials?: ServiceTokenSource;
  interceptors?: readonly Interceptor[];
  /** Deadline of every call that does not set its own. Default 10 s. */
  timeoutMs?: number;
}

/**
 * A client of another Atendo service over gRPC on h2c (HTTP/2 without TLS, inside the cluster).
 * Calls get a default deadline and forward the correlation id their call options carry (see
 * `withCorrelationId` and `forwardCallOptions`). A call made with `forwardCallOptions(ctx)` sends
 * the incoming caller's credential; any other call sends the service token of `credentials`.
 */
export function createServiceClient<T extends DescService>(
  service: T,
  baseUrl: string,
  options: ServiceClientOptions = {},
): Client<T> {
  const transport = createGrpcTransport({
    baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    interceptors: [
      createCorrelationForwarder(),
      createCredentialsInterceptor(options.credentials ? { serviceTokens: options.credentials } : {}),
      ...(options.interceptors ?? []),
    ],
    // Notice dead peers (a replica killed without closing) instead of hanging until the deadline.
    pingIntervalMs: 30_000,
  });
  return createClient(service, transport);
}
