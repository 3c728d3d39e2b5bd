// The parts of gateway-envoy/envoy.yaml that follow from the RPC catalogue: the services Envoy
// transcodes to REST, and the RPC routes. Internal services are denied by service (their methods
// need no listing); public RPCs go to their domain's cluster, with retries only where they are safe.
import type { RpcInfo } from "./rpc-catalog.js";

/** Unary calls that change something get this long; ai's model calls are slower. Reads: 30 s. */
const DOMAIN_TIMEOUT: Readonly<Record<string, string>> = { ai: "60s" };
const DEFAULT_TIMEOUT = "30s";
const CLIENT_STREAM_TIMEOUT = "300s";
const READ_RETRIES = [
  'retry_on: "connect-failure,refused-stream,reset,unavailable,5xx"',
  "num_retries: 2",
  "per_try_timeout: 10s",
  "retry_back_off: { base_interval: 0.05s, max_interval: 0.5s }",
];
const SAFE_RETRIES = ['retry_on: "connect-failure,refused-stream"', "num_retries: 2"];
const BUFFER_DISABLED = [
  "typed_per_filter_config:",
  "  envoy.filters.http.buffer:",
  '    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
  "    disabled: true",
];

const regexEscape = (s: string): string => s.replace(/\./g, "\\.");
const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** The services with public RPCs: what the gRPC-JSON transcoder serves. */
export function transcodedServices(catalog: readonly RpcInfo[]): string[] {
  return unique(catalog.filter((r) => r.public).map((r) => r.service)).sort();
}

export function transcoderServicesYaml(catalog: readonly RpcInfo[], indent: string): string {
  return transcodedServices(catalog)
    .map((s) => `${indent}- ${s}\n`)
    .join("");
}

/** One route: `match` and the rest, as YAML lines under a list item. */
function route(match: string, rest: string[]): string[] {
  return [`- match: ${match}`, ...rest.map((l) => `  ${l}`)];
}

/** A route to a cluster whose retry policy is defined here once (`&name`) and aliased after. */
function target(cluster: string, timeout: string, retries: string, policy: string[] | undefined): string[] {
  if (policy === undefined)
    return [`route: { cluster: ${cluster}, timeout: ${timeout}, retry_policy: *${retries} }`];
  return [
    "route:",
    `  cluster: ${cluster}`,
    `  timeout: ${timeout}`,
    `  retry_policy: &${retries}`,
    ...policy.map((l) => `    ${l}`),
  ];
}

export function rpcRoutesYaml(catalog: readonly RpcInfo[], indent: string): string {
  const lines: string[] = [];
  const section = (comment: string, routes: string[][]) => {
    if (routes.length === 0) return;
    if (lines.length > 0) lines.push("");
    lines.push(...comment.split("\n").map((c) => (c.startsWith("#") ? c : `# ${c}`)));
    for (const r of routes) lines.push(...r);
  };

  const internalServices = unique(catalog.filter((r) => r.internalService).map((r) => r.service)).sort();
  section(
    "Internal services: never reachable from outside, whatever the method.",
    internalServices.map((s) => route(`{ prefix: /${s}/ }`, ["direct_response: { status: 404 }"])),
  );
  section(
    "RPCs of public services without a google.api.http rule: not routed (the contract rules refuse them).",
    catalog
      .filter((r) => !r.internalService && !r.public)
      .map((r) => route(`{ path: ${r.path} }`, ["direct_response: { status: 404 }"])),
  );

  const pub = catalog.filter((r) => r.public);
  section(
    "Streams: no overall timeout; an idle stream is cut after an hour. A client stream is limited\n# per message by the service, so nothing is buffered here.",
    pub
      .filter((r) => r.methodKind !== "unary")
      .map((r) => {
        const clientSends = r.methodKind === "client_streaming" || r.methodKind === "bidi_streaming";
        const serverSends = r.methodKind === "server_streaming" || r.methodKind === "bidi_streaming";
        const target = serverSends
          ? `route: { cluster: ${r.domain}, timeout: 0s, idle_timeout: 3600s }`
          : `route: { cluster: ${r.domain}, timeout: ${CLIENT_STREAM_TIMEOUT} }`;
        return route(`{ path: ${r.path} }`, [target, ...(clientSends ? BUFFER_DISABLED : [])]);
      }),
  );

  let readAnchor = false;
  const reads = unique(pub.filter((r) => r.methodKind === "unary" && r.readOnly).map((r) => r.service))
    .sort()
    .map((service) => {
      const rpcs = pub.filter((r) => r.service === service && r.methodKind === "unary" && r.readOnly);
      const domain = rpcs[0]?.domain ?? "";
      const policy = readAnchor ? undefined : READ_RETRIES;
      readAnchor = true;
      return [
        "- match:",
        "    safe_regex:",
        `      regex: ^/${regexEscape(service)}/(${rpcs.map((r) => r.method).join("|")})$`,
        ...target(domain, DEFAULT_TIMEOUT, "read_retries", policy).map((l) => `  ${l}`),
      ];
    });
  section("Side-effect-free RPCs (idempotency_level = NO_SIDE_EFFECTS): retried.", reads);

  let safeAnchor = false;
  section(
    "Everything else of a domain: retried only when it never reached a service.",
    unique(catalog.map((r) => r.domain))
      .sort()
      .map((domain) => {
        const policy = safeAnchor ? undefined : SAFE_RETRIES;
        safeAnchor = true;
        const timeout = DOMAIN_TIMEOUT[domain] ?? DEFAULT_TIMEOUT;
        return route(`{ prefix: /atendo.${domain}.v1. }`, target(domain, timeout, "safe_retries", policy));
      }),
  );
  return lines.map((l) => (l === "" ? "\n" : `${indent}${l}\n`)).join("");
}
