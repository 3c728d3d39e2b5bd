import type { Validator } from "@bufbuild/protovalidate";
import type { Interceptor } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { MeterProvider } from "@opentelemetry/api";
import type { Logger } from "pino";
import { createRpcMetricsInterceptor } from "../metrics/rpc-metrics-interceptor.js";
import { createCorrelationInterceptor } from "./correlation.js";
import { createErrorInterceptor } from "./error-interceptor.js";
import { createLoggingInterceptor } from "./logging-interceptor.js";

/**
 * The server's interceptor chain, outermost first: correlation id, RPC metrics (when a meter
 * provider is given), logging, error mapping, the service's own (authentication, ...), then
 * protovalidate. Metrics sit outside error mapping so they count the code the caller gets. The
 * service's interceptors run before validation so an unauthenticated caller learns nothing about
 * the request schema, and after error mapping so their failures are logged and mapped like any other.
 */
export function createServerInterceptors(options: {
  logger: Logger;
  interceptors?: readonly Interceptor[];
  validator?: Validator;
  meterProvider?: MeterProvider;
}): Interceptor[] {
  return [
    createCorrelationInterceptor(),
    ...(options.meterProvider ? [createRpcMetricsInterceptor(options.meterProvider)] : []),
    createLoggingInterceptor(options.logger),
    createErrorInterceptor(options.logger),
    ...(options.interceptors ?? []),
    createValidateInterceptor(options.validator ? { validator: options.validator } : {}),
  ];
}
