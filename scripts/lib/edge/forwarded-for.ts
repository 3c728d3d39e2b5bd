// X-Forwarded-For as the services read it: its right-most entry is the client address the edge
// vouches for (the tenant service rate-limits logins by it). A client's own X-Forwarded-For is
// dropped, since anyone can write one; only a proxy listed as trusted (a load balancer in front of
// the edge) may hand one on, and then the proxies' own addresses are peeled off its right end.
import { isIP } from "node:net";
import type { NodeRequest } from "@atendo/service-kit";

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) -> `10.0.0.1`. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith("::ffff:") && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export type ForwardedFor = (req: NodeRequest) => string | undefined;

/**
 * `trustedProxies`: exact addresses of proxies in front of the edge whose X-Forwarded-For is kept.
 * The answer is the header to send upstream, or undefined when the peer's address is unknown.
 */
export function createForwardedFor(trustedProxies: readonly string[] = []): ForwardedFor {
  const trusted = new Set(trustedProxies.map(normalizeAddress));
  return (req) => {
    const remote = req.socket.remoteAddress;
    if (remote === undefined) return undefined;
    const peer = normalizeAddress(remote);
    if (!trusted.has(peer)) return peer;
    const raw = req.headers["x-forwarded-for"];
    const chain = (Array.isArray(raw) ? raw.join(",") : (raw ?? ""))
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    // Walk left past trusted hops: the first address that is not one of ours is the client.
    let end = chain.length;
    while (end > 0 && trusted.has(normalizeAddress(chain[end - 1] ?? ""))) end--;
    const client = chain[end - 1];
    // A trusted proxy that sent no usable address: the proxy itself is all we know.
    if (client === undefined || isIP(client) === 0) return peer;
    return chain.slice(0, end).join(", ");
  };
}
