// Request bodies over a route's limit are refused at the edge with 413, before they reach a service.
// A service that refuses a body itself (ingress, over WEBHOOK_MAX_BODY_BYTES) answers early and
// closes its connection while the edge is still sending; the edge would see a broken connection
// rather than the answer and turn it into a 503. Envoy refuses the same bodies with its buffer filter
// (gateway-envoy/envoy.yaml), and test/envoy-config.spec.ts keeps both at these numbers.
import type { IncomingMessage } from "node:http";
import { type Readable, Transform } from "node:stream";
import type { NodeRequest, NodeResponse } from "@atendo/service-kit";
import { plain } from "./plain.js";

/** Meta's limit, and ingress's default WEBHOOK_MAX_BODY_BYTES. */
export const WEBHOOK_MAX_BODY_BYTES = 3 * 1024 * 1024;
/** The largest request message of every service (service-kit's default maxBodyBytes). */
export const RPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** gRPC, gRPC-web and Connect streaming frame each message with 5 bytes (flags and length). */
export const RPC_ENVELOPE_BYTES = 5;

/** The largest body of a single-message RPC request: the message, plus its envelope when framed. */
export function rpcBodyLimit(contentType: string | undefined, maxMessage: number): number {
  const ct = (contentType ?? "").toLowerCase();
  // A Connect unary body is the bare message; gRPC, gRPC-web and Connect streams frame it.
  const framed = ct.startsWith("application/grpc") || ct.startsWith("application/connect+");
  return framed ? maxMessage + RPC_ENVELOPE_BYTES : maxMessage;
}

/** Whether the body's declared length is already over `max`. */
export function declaredOver(req: NodeRequest, max: number): boolean {
  const declared = Number(req.headers["content-length"]);
  return Number.isFinite(declared) && declared > max;
}

/**
 * The request body as a stream that stops at `max` bytes: one more byte and `onOver` is called
 * (once) instead of passing anything on. Nothing past the limit is passed on or kept.
 */
export function limitedBody(req: NodeRequest, max: number, onOver: () => void): Readable {
  let seen = 0;
  let over = false;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen <= max) {
        done(null, chunk);
        return;
      }
      if (!over) {
        over = true;
        req.unpipe(body);
        req.pause();
        onOver();
      }
      done();
    },
  });
  req.pipe(body);
  return body;
}

/** How much of a refused body the edge reads and drops, at most, before it cuts the connection. */
export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;

/**
 * After a refusal: reads and drops the rest of an HTTP/1.1 body, so a client still sending gets to
 * read the answer. Closing at once would leave its bytes unread, and the reset that follows can
 * reach the client before the answer does. A client that keeps sending past DISCARD_MAX_BYTES is
 * cut off. (An HTTP/2 stream ends on its own, without touching the connection.)
 */
export function discardRest(req: NodeRequest): void {
  const http1 = req as IncomingMessage;
  if (http1.httpVersionMajor !== 1) return;
  let dropped = 0;
  http1.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES) http1.socket.destroy();
  });
  http1.resume();
}

/** 413 as plain text. */
export function sendTooLarge(
  req: NodeRequest,
  res: NodeResponse,
  max: number,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  discardRest(req);
  plain(res, 413, `request body is larger than ${max} bytes\n`, extraHeaders);
}
