import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { correlationIdKey } from "./correlation.js";
import { tapStream } from "./tap-stream.js";

// Codes that mean the server (or something behind it) failed, as opposed to a bad or unlucky call.
const SERVER_FAULTS = new Set<Code>([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable]);

/** Code names as the Connect protocol spells them ("invalid_argument"). */
function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * One line per RPC: debug when it succeeds, info for caller errors (a not_found or already_exists is
 * an answer, not an incident), error for server faults.
 */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const done = (error: unknown): void => {
      const fields = {
        rpc: `${req.service.typeName}/${req.method.name}`,
        correlationId: req.contextValues.get(correlationIdKey),
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (error === undefined) {
        logger.debug({ ...fields, code: "ok" }, "rpc");
        return;
      }
      const err = ConnectError.from(error);
      const line = { ...fields, code: codeName(err.code), error: err.rawMessage };
      if (SERVER_FAULTS.has(err.code)) logger.error(line, "rpc failed");
      else logger.info(line, "rpc failed");
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        done(undefined);
        return res;
      }
      return { ...res, message: tapStream(res.message, { onEnd: done }) };
    } catch (e) {
      done(e);
      throw e;
    }
  };
}
