// Errors the edge itself answers on an RPC path, in the caller's protocol, so a Connect, gRPC or
// gRPC-web client sees a proper status instead of a bare HTTP failure.
import type { NodeRequest, NodeResponse } from "@atendo/service-kit";
import type { RpcProtocol } from "./headers.js";

export type EdgeRpcCode = "unavailable" | "deadline_exceeded" | "internal" | "resource_exhausted";

const GRPC_STATUS: Record<EdgeRpcCode, number> = {
  unavailable: 14,
  deadline_exceeded: 4,
  internal: 13,
  resource_exhausted: 8,
};
// resource_exhausted is only the edge's answer to a body over the limit: 413 says so to anything
// that reads HTTP statuses, while Connect clients take the code from the JSON body.
const CONNECT_HTTP_STATUS: Record<EdgeRpcCode, number> = {
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
  resource_exhausted: 413,
};

export function sendRpcError(
  _req: NodeRequest,
  res: NodeResponse,
  protocol: RpcProtocol,
  code: EdgeRpcCode,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const grpcStatus = String(GRPC_STATUS[code]);
  const grpcMessage = encodeURIComponent(message);
  if (protocol === "grpc") {
    // Trailers-only answer: the status travels in the headers of an empty response.
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": "application/grpc",
      "grpc-status": grpcStatus,
      "grpc-message": grpcMessage,
    });
    res.end();
    return;
  }
  if (protocol === "grpc-web") {
    res.writeHead(200, {
      ...extraHeaders,
      "content-type": "application/grpc-web+proto",
      "grpc-status": grpcStatus,
      "grpc-message": grpcMessage,
    });
    res.end();
    return;
  }
  const body = JSON.stringify({ code, message });
  res.writeHead(CONNECT_HTTP_STATUS[code], {
    ...extraHeaders,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
