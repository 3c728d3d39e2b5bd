// Request bodies over a route's limit are refused at the edge with 413, before they reach a service.
// A service that refuses a body itself (ingress, over WEBHOOK_MAX_BODY_BYTES) answers early and
// closes its connection while the edge is still sending; the edge would see a broken connection
// rather than the answer and turn it into a 503. Envoy refuses the same bodies with its buffer filter
// (gateway-envoy/envoy.yaml), and test/envoy-config.unit.spec.ts keeps both at these numbers.
import type { IncomingMessage } from "node:http";
import { type Http2ServerRequest, constants as h2 } from "node:http2";
import { type Readable, Transform } from "node:stream";
import type { NodeRequest, NodeResponse } from "@atendo/service-kit";
import { plain } from "./plain.js";

/** Meta's limit, and ingress's default WEBHOOK_MAX_BODY_BYTES. */
export const WEBHOOK_MAX_BODY_BYTES = 3 * 1024 * 1024;
/**
 * The largest widget upload (PUT /v1/widget/uploads/{id}): ingress's largest default media limit
 * (MEDIA_MAX_BYTES_DOCUMENT, 100 MiB). Ingress refuses anything over the upload's own declared size.
 */
export const UPLOAD_MAX_BODY_BYTES = 100 * 1024 * 1024;
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

/** How much of an unwanted body the edge reads and drops, at most, before it cuts the connection. */
export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;

// Requests whose rest is being dropped already: dropping is decided once per request.
const dropping = new WeakSet<NodeRequest>();

/**
 * Once the answer is decided while the body is still coming (the edge refused it, or the service
 * answered early), the rest of the body is not wanted and stops going upstream. Over HTTP/1.1 it is
 * read and dropped: the client still sending then reads the answer, and its connection stays in
 * step for the next request (closing instead would reset it, answer included); past
 * DISCARD_MAX_BYTES the connection is cut. Over HTTP/2, once the answer is out, the stream is reset
 * with NO_ERROR, which asks the client to stop sending (RFC 9113, section 8.1).
 */
export function discardRest(req: NodeRequest, res: NodeResponse): void {
  if (dropping.has(req) || req.complete) return;
  dropping.add(req);
  req.unpipe();
  if ((req as IncomingMessage).httpVersionMajor === 1) {
    const http1 = req as IncomingMessage;
    let dropped = 0;
    http1.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DISCARD_MAX_BYTES) http1.socket.destroy();
    });
    http1.resume();
    return;
  }
  const { stream } = req as Http2ServerRequest;
  const stop = (): void => {
    if (!stream.closed) stream.close(h2.NGHTTP2_NO_ERROR);
  };
  if (res.writableFinished) stop();
  else res.once("finish", stop);
}

/** 413 as plain text. */
export function sendTooLarge(
  res: NodeResponse,
  max: number,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  plain(res, 413, `request body is larger than ${max} bytes\n`, extraHeaders);
}
