import type { CallOptions, HandlerContext, Interceptor } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { credentialKey } from "../auth/principal.js";
import { CORRELATION_HEADER, correlationIdKey } from "../server/correlation.js";

/** Call options that carry `correlationId` to the called service (sent as `x-correlation-id`). */
export function withCorrelationId(correlationId: string, options: CallOptions = {}): CallOptions {
  const contextValues = options.contextValues ?? createContextValues();
  contextValues.set(correlationIdKey, correlationId);
  return { ...options, contextValues };
}

/**
 * Call options for a call made while handling another: same correlation id, the caller's
 * credential (sent by the credentials interceptor of `createServiceClient`, so the called service
 * applies the caller's rights), cancelled with the incoming call, and never allowed to outlive its
 * deadline.
 */
export function forwardCallOptions(ctx: HandlerContext, options: CallOptions = {}): CallOptions {
  const remaining = ctx.timeoutMs();
  const timeoutMs =
    remaining === undefined ? options.timeoutMs : Math.min(remaining, options.timeoutMs ?? remaining);
  const forwarded = withCorrelationId(ctx.values.get(correlationIdKey), {
    ...options,
    signal: options.signal ? AbortSignal.any([ctx.signal, options.signal]) : ctx.signal,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const credential = ctx.values.get(credentialKey);
  if (credential !== "") forwarded.contextValues?.set(credentialKey, credential);
  return forwarded;
}

/** Client interceptor: sends the call's correlation id, if it has one, as `x-correlation-id`. */
export function createCorrelationForwarder(): Interceptor {
  return (next) => (req) => {
    const id = req.contextValues.get(correlationIdKey);
    if (id !== "" && !req.header.has(CORRELATION_HEADER)) req.header.set(CORRELATION_HEADER, id);
    return next(req);
  };
}
