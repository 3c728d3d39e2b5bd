import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { createCallEndInterceptor } from "./call-end.js";
import { codeName } from "./code-name.js";
import { correlationIdKey } from "./correlation.js";

// Codes that mean the server (or something behind it) failed, as opposed to a bad or unlucky call.
const SERVER_FAULTS = new Set<Code>([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable]);

/**
 * One line per RPC: debug when it succeeds, info for caller errors (a not_found or already_exists is
 * an answer, not an incident), error for server faults.
 */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return createCallEndInterceptor((req) => {
    const started = performance.now();
    return (error) => {
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
  });
}
