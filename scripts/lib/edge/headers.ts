// Header hygiene for a proxy: hop-by-hop fields (RFC 9110 §7.6.1) and HTTP/2 pseudo-headers never
// travel to the next hop.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { NodeRequest } from "@atendo/service-kit";
import type { ForwardedFor } from "./forwarded-for.js";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "http2-settings",
]);

/** End-to-end headers only; `connection: x, y` also drops x and y. */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ""),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** What goes to a service: end-to-end headers, X-Forwarded-For as the edge vouches for it, the scheme. */
export function upstreamRequestHeaders(req: NodeRequest, forwardedFor: ForwardedFor): OutgoingHttpHeaders {
  const headers = endToEndHeaders(req.headers);
  const xff = forwardedFor(req);
  if (xff === undefined) delete headers["x-forwarded-for"];
  else headers["x-forwarded-for"] = xff;
  headers["x-forwarded-proto"] = "http";
  return headers;
}

/** Content types of the RPC protocols the edge passes through. */
export type RpcProtocol = "grpc" | "grpc-web" | "connect";

export function rpcProtocolOf(contentType: string | undefined): RpcProtocol {
  const ct = (contentType ?? "").toLowerCase();
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return "connect";
}
