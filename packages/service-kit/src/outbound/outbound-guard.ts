import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/** The URL may not be fetched: the message says why, never with the URL's credentials. */
export class OutboundUrlRefused extends Error {
  override readonly name = "OutboundUrlRefused";
}

/**
 * Guards every URL a service fetches on behalf of someone else (media downloads, tenants'
 * endpoints): http(s) only, no credentials in the URL, and no address in a private, loopback,
 * link-local (cloud metadata), shared or multicast range, checked on the address actually
 * connected to, so a name that resolves differently later (DNS rebinding) is caught too.
 */
export interface OutboundGuard {
  /** The parsed URL, or OutboundUrlRefused. An IP literal host is checked here (no lookup happens). */
  checkUrl(url: string | URL): URL;
  /** For `http.request({ lookup })`: resolves like dns.lookup and refuses blocked addresses. */
  readonly lookup: LookupFunction;
}

export interface OutboundGuardOptions {
  /** Allow private and loopback addresses: local development and tests only (local fakes). */
  allowPrivateNetworks: boolean;
}

const BLOCKED_V4: readonly [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];
const BLOCKED_V6: readonly [string, number][] = [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
];

function blockList(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of BLOCKED_V4) list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of BLOCKED_V6) list.addSubnet(net, prefix, "ipv6");
  return list;
}

const BLOCKED = blockList();
const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Whether an address is in a range no outbound request may reach (unless private ones are allowed). */
export function isBlockedAddress(address: string): boolean {
  const mapped = MAPPED_V4.exec(address)?.[1];
  if (mapped !== undefined) return isBlockedAddress(mapped);
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? "ipv4" : "ipv6");
}

export function createOutboundGuard(options: OutboundGuardOptions): OutboundGuard {
  const allowed = (address: string) => options.allowPrivateNetworks || !isBlockedAddress(address);

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as LookupAddress[];
      // Every answer must be allowed: the client may try any of them.
      const refused = list.find((a) => !allowed(a.address));
      if (refused !== undefined || list.length === 0) {
        return callback(
          new OutboundUrlRefused(`${hostname} resolves to an address outbound requests may not reach`),
          "",
          0,
        );
      }
      if (lookupOptions.all === true) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };

  return {
    lookup,
    checkUrl(input) {
      let url: URL;
      try {
        url = typeof input === "string" ? new URL(input) : input;
      } catch {
        throw new OutboundUrlRefused("not a URL");
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new OutboundUrlRefused(`protocol ${url.protocol} is not allowed (http and https only)`);
      }
      if (url.username !== "" || url.password !== "") {
        throw new OutboundUrlRefused("URLs with credentials are not allowed");
      }
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) !== 0 && !allowed(host)) {
        throw new OutboundUrlRefused(`${host} is an address outbound requests may not reach`);
      }
      return url;
    },
  };
}
