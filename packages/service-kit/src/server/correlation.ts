import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { ConnectError, createContextKey } from "@connectrpc/connect";

export const CORRELATION_HEADER = "x-correlation-id";

/** The correlation id of the current call ("" outside a call). Set by the correlation interceptor. */
export const correlationIdKey = createContextKey<string>("", { description: "atendo correlation id" });

// Ids end up in logs and events: accept only short, plain tokens so a caller cannot inject text.
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's id when it is a plain token, otherwise a fresh one. */
export function correlationIdFrom(headerValue: string | null | undefined): string {
  return headerValue !== null && headerValue !== undefined && VALID_ID.test(headerValue)
    ? headerValue
    : randomUUID();
}

/**
 * Reads `x-correlation-id` (or creates one), exposes it as `correlationIdKey` and echoes it in the
 * response header (in the error metadata when the call fails).
 */
export function createCorrelationInterceptor(): Interceptor {
  return (next) => async (req) => {
    const id = correlationIdFrom(req.header.get(CORRELATION_HEADER));
    req.contextValues.set(correlationIdKey, id);
    try {
      const res = await next(req);
      res.header.set(CORRELATION_HEADER, id);
      return res;
    } catch (e) {
      const err = ConnectError.from(e);
      err.metadata.set(CORRELATION_HEADER, id);
      throw err;
    }
  };
}
