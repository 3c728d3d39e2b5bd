import type { Validator } from "@bufbuild/protovalidate";
import type { Interceptor } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { Logger } from "pino";
import { createCorrelationInterceptor } from "./correlation.js";
import { createErrorInterceptor } from "./error-interceptor.js";
import { createLoggingInterceptor } from "./logging-interceptor.js";

/**
 * The server's interceptor chain, outermost first: correlation id, logging, error mapping, the
 * service's own (authentication, ...), then protovalidate. The service's interceptors run before
 * validation so an unauthenticated caller learns nothing about the request schema, and after error
 * mapping so their failures are logged and mapped like any other.
 */
export function createServerInterceptors(options: {
  logger: Logger;
  interceptors?: readonly Interceptor[];
  validator?: Validator;
}): Interceptor[] {
  return [
    createCorrelationInterceptor(),
    createLoggingInterceptor(options.logger),
    createErrorInterceptor(options.logger),
    ...(options.interceptors ?? []),
    createValidateInterceptor(options.validator ? { validator: options.validator } : {}),
  ];
}
