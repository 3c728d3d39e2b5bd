import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { CORRELATION_HEADER, correlationIdFrom } from "./correlation.js";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import { closeAfterResponse, pathOf, sendText } from "./node-http.js";
import { PayloadTooLargeError, readBody } from "./read-body.js";

export interface HttpContext {
  /** From `x-correlation-id` when the caller sent a valid one, otherwise new; echoed in the response. */
  correlationId: string;
  /** The raw body bytes, exactly as sent; over the server's `maxBodyBytes` it throws and 413 is sent. */
  readBody(): Promise<Buffer>;
}

/**
 * A plain HTTP route next to the RPCs (Meta webhooks, ...). Return false when the request is not
 * yours: the server then answers 404. Decide from the method and path before reading the body.
 */
export type HttpHook = (req: NodeRequest, res: NodeResponse, ctx: HttpContext) => boolean | Promise<boolean>;

/** Runs the hook with its context; thrown errors become 413 or a referenced 500, never a crash. */
export function createHttpHookRunner(options: {
  hook: HttpHook | undefined;
  maxBodyBytes: number;
  logger: Logger;
}): (req: NodeRequest, res: NodeResponse) => void {
  const { hook, maxBodyBytes, logger } = options;
  return (req, res) => {
    const header = req.headers[CORRELATION_HEADER];
    const correlationId = correlationIdFrom(Array.isArray(header) ? header[0] : header);
    if (!res.headersSent) res.setHeader(CORRELATION_HEADER, correlationId);
    if (hook === undefined) {
      sendText(res, 404, "not found");
      return;
    }
    const ctx: HttpContext = { correlationId, readBody: () => readBody(req, maxBodyBytes) };
    Promise.resolve()
      .then(() => hook(req, res, ctx))
      .then(
        (handled) => {
          if (!handled) sendText(res, 404, "not found");
        },
        (e: unknown) => {
          if (e instanceof PayloadTooLargeError) {
            // The rest of the body is not read: close the connection instead of draining it.
            closeAfterResponse(res);
            sendText(res, 413, e.message);
            return;
          }
          const ref = randomBytes(6).toString("hex");
          // The path only: query strings may carry tokens (Meta's hub.verify_token).
          logger.error(
            { err: e, ref, method: req.method, path: pathOf(req), correlation_id: correlationId },
            "http route failed",
          );
          sendText(res, 500, `internal error (ref ${ref})`);
        },
      );
  };
}
