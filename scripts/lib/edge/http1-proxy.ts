// Forwards plain HTTP (Meta webhooks, the tenant service's JWKS) to a service over HTTP/1.1, bodies
// streamed byte for byte: ingress verifies X-Hub-Signature-256 over the exact bytes Meta sent.
import { Agent, request } from "node:http";
import type { NodeRequest, NodeResponse } from "@atendo/service-kit";
import { declaredOver, discardRest, limitedBody, sendTooLarge } from "./body-limit.js";
import type { EdgeLogger } from "./edge-logger.js";
import type { ForwardedFor } from "./forwarded-for.js";
import { endToEndHeaders, upstreamRequestHeaders } from "./headers.js";
import { plain } from "./plain.js";

export interface Http1Proxy {
  /** Sends the request on; a body over `maxBodyBytes` is cut and answered 413 (body-limit.ts). */
  forward(
    req: NodeRequest,
    res: NodeResponse,
    baseUrl: string,
    extraHeaders: Record<string, string>,
    maxBodyBytes: number,
  ): void;
  close(): void;
}

export function createHttp1Proxy(logger: EdgeLogger, forwardedFor: ForwardedFor): Http1Proxy {
  // Node servers close idle keep-alive connections after 5 s: drop ours first (4 s) so a request
  // never goes out on a connection the service is closing.
  const agent = new Agent({ keepAlive: true, timeout: 4000, maxSockets: 256 });

  const forward: Http1Proxy["forward"] = (req, res, baseUrl, extraHeaders, maxBodyBytes) => {
    if (declaredOver(req, maxBodyBytes)) {
      discardRest(req, res);
      sendTooLarge(res, maxBodyBytes, extraHeaders);
      return;
    }
    const target = new URL(baseUrl);
    const headers = upstreamRequestHeaders(req, forwardedFor);
    const host = req.headers.host ?? req.headers[":authority"];
    if (typeof host === "string") headers["x-forwarded-host"] = host;
    const upstream = request({
      host: target.hostname,
      port: target.port,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      agent,
    });
    let answered = false;
    let refused = false;
    upstream.on("response", (up) => {
      res.writeHead(up.statusCode ?? 502, { ...endToEndHeaders(up.headers), ...extraHeaders });
      up.on("data", (chunk: Buffer) => {
        if (!res.write(chunk)) {
          up.pause();
          res.once("drain", () => up.resume());
        }
      });
      up.once("end", () => {
        answered = true;
        res.end();
        // The answer is complete while the body is still coming: the service answered early, and
        // this request's connection to it is not reused.
        if (req.complete) return;
        refused = true;
        discardRest(req, res);
        upstream.destroy();
      });
      up.once("error", () => res.destroy());
    });
    upstream.on("error", (err) => {
      if (refused) return;
      // The service answered early and closed its connection: only the rest of the body is left.
      if (res.writableEnded) {
        discardRest(req, res);
        return;
      }
      logger.warn({ err: err.message, upstream: baseUrl }, "edge: upstream unreachable");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      plain(res, 503, "service unavailable\n", extraHeaders);
    });
    // A caller that goes away before the answer cancels the forwarded request.
    res.once("close", () => {
      if (!answered) upstream.destroy();
    });
    limitedBody(req, maxBodyBytes, () => {
      // From here on the edge ends the upstream request itself: its errors are expected.
      refused = true;
      discardRest(req, res);
      if (!res.headersSent) {
        upstream.destroy();
        sendTooLarge(res, maxBodyBytes, extraHeaders);
        return;
      }
      // The service has begun its answer: that answer stands. The request ends here so the service
      // can finish it; the connection is dropped once it has (above).
      upstream.end();
    }).pipe(upstream);
  };

  return {
    forward,
    close: () => agent.destroy(),
  };
}
