import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/** A request from either of the two servers sharing the port (HTTP/1.1 or h2c). */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/**
 * A response of either server. Same shape as connect-node's: write() and writeHead() are unified so
 * code can call them without caring which protocol the request came over.
 */
export type NodeResponse = (Omit<ServerResponse, "write"> | Omit<Http2ServerResponse, "write">) & {
  write(chunk: string | Uint8Array, callback?: (err: Error | null | undefined) => void): boolean;
  write(
    chunk: string | Uint8Array,
    encoding: BufferEncoding,
    callback?: (err: Error | null | undefined) => void,
  ): boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
};
export type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;

/** The path of a request without its query string. */
export function pathOf(req: NodeRequest): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** Answers a small response unless one was already started. */
export function sendText(
  res: NodeResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

export function sendJson(res: NodeResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), "application/json");
}

/**
 * Asks an HTTP/1.1 response to close its connection when done. HTTP/2 has no such header (the
 * session is closed with GOAWAY instead), so it is left alone there.
 */
export function closeAfterResponse(res: NodeResponse): void {
  if (res instanceof ServerResponse && !res.headersSent) res.setHeader("connection", "close");
}
