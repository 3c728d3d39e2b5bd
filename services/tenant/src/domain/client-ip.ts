import { isIP } from "node:net";

/** Where a request came from when no address is known (the same bucket for every such caller). */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The client address of a request that came through the edge: the right-most entry of
 * X-Forwarded-For, the one the edge appended itself (entries to its left are whatever the client
 * claimed). Without the header (a call that did not pass the edge) the service has no socket
 * address to use, so every such caller shares one bucket.
 */
export function clientIp(header: Headers): string {
  const forwarded = header.get("x-forwarded-for");
  if (forwarded === null) return UNKNOWN_CLIENT;
  const last = forwarded.split(",").at(-1)?.trim() ?? "";
  return isIP(last) === 0 ? UNKNOWN_CLIENT : last;
}
