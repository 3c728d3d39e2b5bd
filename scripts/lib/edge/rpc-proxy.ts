// Forwards an RPC (gRPC, gRPC-web or Connect; arriving over HTTP/1.1 or h2c) to its service over
// one multiplexed h2c connection per service, streaming bodies both ways and passing trailers on.
import type { IncomingHttpHeaders } from "node:http";
import type { ClientHttp2Stream } from "node:http2";
import { constants as h2 } from "node:http2";
import type { NodeRequest, NodeResponse } from "@atendo/service-kit";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { declaredOver, discardRest, limitedBody } from "./body-limit.js";
import type { EdgeLogger } from "./edge-logger.js";
import type { ForwardedFor } from "./forwarded-for.js";
import { endToEndHeaders, rpcProtocolOf, upstreamRequestHeaders } from "./headers.js";
import { sendRpcError } from "./rpc-error.js";

export interface RpcProxy {
  /**
   * Sends the call on. A request body over `maxBodyBytes` (single-message requests; undefined for
   * client streams, whose messages the service limits one by one) is answered resource_exhausted
   * in the caller's protocol: 413 for Connect.
   */
  forward(
    req: NodeRequest,
    res: NodeResponse,
    baseUrl: string,
    extraHeaders: Record<string, string>,
    maxBodyBytes: number | undefined,
  ): void;
  close(): void;
}

export function createRpcProxy(logger: EdgeLogger, forwardedFor: ForwardedFor): RpcProxy {
  const sessions = new Map<string, Http2SessionManager>();
  const sessionFor = (baseUrl: string): Http2SessionManager => {
    let s = sessions.get(baseUrl);
    if (s === undefined) {
      // Pings notice a dead upstream (a killed pod) instead of waiting for the TCP timeout.
      s = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 15 * 60_000 });
      sessions.set(baseUrl, s);
    }
    return s;
  };

  const pipeResponse = (
    session: Http2SessionManager,
    upstream: ClientHttp2Stream,
    res: NodeResponse,
    extraHeaders: Record<string, string>,
    onEnd: () => void,
  ): void => {
    upstream.on("response", (headers) => {
      // The edge has answered already (a body over the limit): the service's answer comes too late.
      if (res.headersSent) {
        upstream.close(h2.NGHTTP2_CANCEL);
        return;
      }
      const status = Number(headers[":status"] ?? 502);
      res.writeHead(status, { ...endToEndHeaders(headers as IncomingHttpHeaders), ...extraHeaders });
      upstream.on("data", (chunk: Buffer) => {
        session.notifyResponseByteRead(upstream);
        if (!res.write(chunk)) {
          upstream.pause();
          res.once("drain", () => upstream.resume());
        }
      });
      upstream.once("end", () => {
        res.end();
        onEnd();
      });
    });
    // gRPC's status arrives in trailers; HTTP/2 callers get them as trailers too.
    upstream.on("trailers", (trailers) => {
      const t = endToEndHeaders(trailers as IncomingHttpHeaders);
      res.addTrailers(t as Record<string, string>);
    });
  };

  const forward: RpcProxy["forward"] = (req, res, baseUrl, extraHeaders, maxBodyBytes) => {
    const protocol = rpcProtocolOf(req.headers["content-type"]);
    let refused = false;
    const refuse = (): void => {
      refused = true;
      discardRest(req, res);
      const message = `request message is larger than ${maxBodyBytes} bytes`;
      sendRpcError(req, res, protocol, "resource_exhausted", message, extraHeaders);
    };
    if (maxBodyBytes !== undefined && declaredOver(req, maxBodyBytes)) {
      refuse();
      return;
    }
    const headers = upstreamRequestHeaders(req, forwardedFor);
    // gRPC over HTTP/2 requires it; it is the only `te` value HTTP/2 allows.
    if (protocol === "grpc") headers.te = "trailers";
    const session = sessionFor(baseUrl);
    let upstream: ClientHttp2Stream | undefined;
    // A caller that goes away (or a response cut short) cancels the service's call.
    res.once("close", () => {
      if (upstream !== undefined && !upstream.closed && !upstream.readableEnded) {
        upstream.close(h2.NGHTTP2_CANCEL);
      }
    });
    session.request(req.method ?? "POST", req.url ?? "/", headers, { endStream: false }).then(
      (stream) => {
        upstream = stream;
        if (res.destroyed) {
          stream.close(h2.NGHTTP2_CANCEL);
          return;
        }
        stream.on("error", (err) => {
          if (refused) return;
          // The service answered early and closed its stream: only the rest of the body is left.
          if (res.writableEnded) {
            discardRest(req, res);
            return;
          }
          logger.warn({ err: err.message, upstream: baseUrl }, "edge: upstream stream failed");
          if (!res.headersSent)
            sendRpcError(req, res, protocol, "unavailable", "upstream failed", extraHeaders);
          else res.destroy();
        });
        pipeResponse(session, stream, res, extraHeaders, () => {
          // The answer is complete while the body is still coming: the service answered early.
          if (req.complete) return;
          refused = true;
          discardRest(req, res);
          stream.close(h2.NGHTTP2_CANCEL);
        });
        if (maxBodyBytes === undefined) {
          req.pipe(stream);
          return;
        }
        limitedBody(req, maxBodyBytes, () => {
          if (!res.headersSent) {
            stream.close(h2.NGHTTP2_CANCEL);
            refuse();
            return;
          }
          // The service answered first (it reads a message's declared length from its frame): that
          // answer stands. The rest of the body is dropped and the request ends here, so the
          // service can finish its answer.
          refused = true;
          discardRest(req, res);
          stream.end();
        }).pipe(stream);
      },
      (err: unknown) => {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), upstream: baseUrl },
          "edge: upstream unreachable",
        );
        sendRpcError(req, res, protocol, "unavailable", "service unavailable", extraHeaders);
      },
    );
  };

  return {
    forward,
    close() {
      for (const s of sessions.values()) s.abort();
      sessions.clear();
    },
  };
}
