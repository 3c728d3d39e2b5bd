import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";

/** Where a request came from when no address is known (the same bucket for every such caller). */
export const UNKNOWN_CLIENT = "unknown";

/** Request headers as Connect handlers (`Headers`) or node:http and http2 (`req.headers`) see them. */
export type RequestHeaders = Headers | IncomingHttpHeaders;

/**
 * The client address of a request that came through the edge: the right-most entry of
 * X-Forwarded-For, the one the edge appended itself (entries to its left are whatever the client
 * claimed, and a client can send the header twice: Node joins both, the edge's still last). Without
 * the header the request did not pass the edge: `direct` (e.g. the socket's peer address, for plain
 * HTTP routes) is used when given, else every such caller shares the UNKNOWN_CLIENT bucket.
 */
export function clientIp(headers: RequestHeaders, direct?: string): string {
  const forwarded = headerValue(headers, "x-forwarded-for");
  if (forwarded === undefined) return normalize(direct ?? "");
  return normalize(forwarded.split(",").at(-1)?.trim() ?? "");
}

function headerValue(headers: RequestHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A valid address, IPv4-mapped IPv6 as plain IPv4 (how Node reports IPv4 peers on a dual stack). */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  return isIP(ip) === 0 ? UNKNOWN_CLIENT : ip;
}
