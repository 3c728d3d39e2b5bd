import { randomBytes } from "node:crypto";
import type { Interceptor, StreamRequest, StreamResponse, UnaryRequest } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { withReason } from "../errors/error-info.js";
import { correlationIdKey } from "./correlation.js";
import { tapStream } from "./tap-stream.js";

/**
 * ConnectErrors pass through, given the fallback reason of their code when they have none (every
 * answer carries a google.rpc.ErrorInfo). Anything else is a bug or an infrastructure failure whose message may
 * hold SQL, hosts or data: it is logged with a reference and the caller only gets `internal` with
 * that reference, so support can find the log line.
 */
export function createErrorInterceptor(logger: Logger): Interceptor {
  const toConnectError = (e: unknown, req: UnaryRequest | StreamRequest): ConnectError =>
    withReason(mapError(e, req));
  const mapError = (e: unknown, req: UnaryRequest | StreamRequest): ConnectError => {
    if (e instanceof ConnectError) return e;
    // The call was cancelled or ran out of time: the handler just noticed, nothing broke.
    if (req.signal.aborted) return ConnectError.from(req.signal.reason, Code.Canceled);
    const ref = randomBytes(6).toString("hex");
    logger.error(
      {
        err: e,
        ref,
        rpc: `${req.service.typeName}/${req.method.name}`,
        correlationId: req.contextValues.get(correlationIdKey),
      },
      "unhandled error in rpc handler",
    );
    return new ConnectError(`internal error (ref ${ref})`, Code.Internal);
  };
  return (next) => async (req) => {
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (e) {
      throw toConnectError(e, req);
    }
    if (!res.stream) return res;
    const stream: StreamResponse = {
      ...res,
      message: tapStream(res.message, { mapError: (e) => toConnectError(e, req) }),
    };
    return stream;
  };
}
