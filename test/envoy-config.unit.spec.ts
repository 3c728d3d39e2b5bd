// Static checks of the Kubernetes edge (gateway-envoy/envoy.yaml) against the contracts: no Envoy
// binary runs here, so the routing table is evaluated in this file the way Envoy evaluates it (first
// match wins), and the whole file is checked against Envoy's v3 API by gateway-envoy/validate (Go).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@atendo/ingress";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { cors as connectCors } from "@connectrpc/connect";
import { parse } from "yaml";
import { SERVICE_PORTS } from "../scripts/lib/dev-ports.js";
import {
  RPC_ENVELOPE_BYTES,
  RPC_MAX_MESSAGE_BYTES,
  WEBHOOK_MAX_BODY_BYTES,
} from "../scripts/lib/edge/body-limit.js";
import { buildDescriptorSet } from "../scripts/lib/proto-image.js";
import { clientStreamingRpcPaths, rpcCatalog } from "../scripts/lib/rpc-catalog.js";
import { SERVICES } from "../scripts/lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const CONFIG = join(root, "gateway-envoy", "envoy.yaml");
const BUFFER_PER_ROUTE = "envoy.extensions.filters.http.buffer.v3.BufferPerRoute";

interface RouteMatch {
  path?: string;
  prefix?: string;
  safe_regex?: { regex: string };
  headers?: Array<{ name: string; string_match?: { exact?: string } }>;
}
interface Route {
  match: RouteMatch;
  typed_per_filter_config?: Record<string, unknown>;
  route?: {
    cluster: string;
    timeout?: string;
    idle_timeout?: string;
    retry_policy?: { retry_on: string };
  };
  direct_response?: { status: number };
}
interface TypedFilter {
  name: string;
  typed_config: Record<string, unknown>;
}
interface Cluster {
  name: string;
  typed_extension_protocol_options?: Record<string, { explicit_http_config?: Record<string, unknown> }>;
  health_checks?: Array<{ http_health_check?: { path: string } }>;
  load_assignment: {
    endpoints: Array<{
      lb_endpoints: Array<{
        endpoint: { address: { socket_address: { address: string; port_value: number } } };
      }>;
    }>;
  };
}

function get<T>(value: unknown, path: string): T {
  let cur: unknown = value;
  for (const key of path.split(".")) {
    if (typeof cur !== "object" || cur === null) throw new Error(`envoy.yaml has no ${path}`);
    cur = Array.isArray(cur) ? cur[Number(key)] : (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined) throw new Error(`envoy.yaml has no ${path}`);
  return cur as T;
}

const config: unknown = parse(readFileSync(CONFIG, "utf8"), { uniqueKeys: true });
const hcm = get<Record<string, unknown>>(
  config,
  "static_resources.listeners.0.filter_chains.0.filters.0.typed_config",
);
const filters = get<TypedFilter[]>(hcm, "http_filters");
const vhost = get<Record<string, unknown>>(hcm, "route_config.virtual_hosts.0");
const routes = get<Route[]>(vhost, "routes");
const clusters = get<Cluster[]>(config, "static_resources.clusters");
const catalog = rpcCatalog();

/** Whether a route's header matchers accept the request (only `:method` exact is used here). */
function headersMatch(match: RouteMatch, method: string): boolean {
  return (match.headers ?? []).every((h) => {
    const exact = h.string_match?.exact;
    if (h.name !== ":method" || exact === undefined) {
      throw new Error(`this evaluator knows only ":method" exact matchers, got ${JSON.stringify(h)}`);
    }
    return exact === method;
  });
}

/** The route Envoy picks for a request: the first whose match applies. RPCs are POSTs. */
function routeFor(path: string, method = "POST"): Route | undefined {
  return routes.find(({ match }) => {
    if (!headersMatch(match, method)) return false;
    if (match.path !== undefined) return match.path === path;
    if (match.prefix !== undefined) return path.startsWith(match.prefix);
    if (match.safe_regex !== undefined) return new RegExp(match.safe_regex.regex).test(path);
    return false;
  });
}

function clusterNamed(name: string): Cluster {
  const c = clusters.find((x) => x.name === name);
  assert.ok(c, `cluster ${name} exists`);
  return c;
}

function endpointOf(c: Cluster): { address: string; port_value: number } {
  const ep = c.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
  assert.ok(ep, `cluster ${c.name} has an endpoint`);
  return ep;
}

function protocolOf(c: Cluster): "h2" | "http1" | "unset" {
  const opts = c.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  const explicit = opts?.explicit_http_config ?? {};
  if ("http2_protocol_options" in explicit) return "h2";
  if ("http_protocol_options" in explicit) return "http1";
  return "unset";
}

/** Occurrences of `needle` in YAML text outside `#` comments. */
function countOutsideComments(text: string, needle: string): number {
  return (
    text
      .split("\n")
      .map((line) => line.replace(/(^|\s)#.*$/, ""))
      .join("\n")
      .split(needle).length - 1
  );
}

describe("gateway-envoy/envoy.yaml", () => {
  it("routes every service of the contracts to a cluster on the service's port, over h2c", () => {
    const domains = [...new Set(catalog.map((r) => r.domain))].sort();
    assert.deepEqual(domains, [...SERVICES].sort(), "every service serves RPCs");
    for (const domain of SERVICES) {
      const prefixRoute = routes.find((r) => r.match.prefix === `/atendo.${domain}.v1.`);
      assert.equal(prefixRoute?.route?.cluster, domain, `prefix route of ${domain}`);
      const cluster = clusterNamed(domain);
      assert.deepEqual(endpointOf(cluster), {
        address: `atendo-${domain}-headless`,
        port_value: SERVICE_PORTS[domain],
      });
      assert.equal(protocolOf(cluster), "h2", `${domain} is reached over h2c`);
      assert.equal(cluster.health_checks?.[0]?.http_health_check?.path, "/readyz");
    }
  });

  it("answers 404 for every internal RPC, before any route could forward it", () => {
    const internal = catalog.filter((r) => !r.public);
    assert.ok(internal.length >= 6, "the contracts have internal RPCs");
    for (const rpc of internal) {
      assert.equal(routeFor(rpc.path)?.direct_response?.status, 404, `${rpc.path} must be denied`);
    }
  });

  it("denies every path of an internal service, whatever the method", () => {
    for (const service of new Set(catalog.filter((r) => r.internalService).map((r) => r.service))) {
      assert.equal(routeFor(`/${service}/NotInTheContract`)?.direct_response?.status, 404, service);
    }
  });

  it("sends every public RPC to its own service, with retries only where they are safe", () => {
    for (const rpc of catalog.filter((r) => r.public)) {
      const route = routeFor(rpc.path)?.route;
      assert.equal(route?.cluster, rpc.domain, `${rpc.path} goes to ${rpc.domain}`);
      const retryOn = (route?.retry_policy?.retry_on ?? "").split(",").map((s) => s.trim());
      const onlyUnsent = retryOn.every((c) => c === "" || c === "connect-failure" || c === "refused-stream");
      if (rpc.methodKind !== "unary") {
        assert.ok(onlyUnsent, `${rpc.path} (stream) is never retried once sent`);
        if (rpc.methodKind === "server_streaming")
          assert.equal(route?.timeout, "0s", `${rpc.path} has no timeout`);
      } else if (rpc.readOnly) {
        assert.ok(
          retryOn.includes("unavailable") && retryOn.includes("5xx"),
          `${rpc.path} (read) is retried`,
        );
      } else {
        assert.ok(onlyUnsent, `${rpc.path} has side effects: retried only when it never reached a service`);
      }
    }
  });

  it("sends Meta webhooks to ingress over HTTP/1.1, and nothing else there", () => {
    for (const path of ["/webhooks/whatsapp/0193a5b0-0000-7000-8000-000000000001", "/webhooks/instagram/x"]) {
      assert.equal(routeFor(path)?.route?.cluster, "ingress_webhooks", path);
    }
    const webhooks = clusterNamed("ingress_webhooks");
    assert.equal(protocolOf(webhooks), "http1");
    assert.deepEqual(endpointOf(webhooks), {
      address: "atendo-ingress-headless",
      port_value: SERVICE_PORTS.ingress,
    });
    assert.equal(routeFor("/grpc.health.v1.Health/Check"), undefined, "health RPCs stay inside the cluster");
  });

  it("sends GETs of signed media URLs to ingress over HTTP/1.1, retried as reads", () => {
    const route = routeFor("/media/0193a5b0-0000-7000-8000-000000000001", "GET")?.route;
    assert.equal(route?.cluster, "ingress_webhooks");
    assert.ok((route?.retry_policy?.retry_on ?? "").includes("5xx"));
    assert.equal(routeFor("/media/0193a5b0-0000-7000-8000-000000000001", "POST"), undefined);
  });

  it("streams the widget's upload PUTs to ingress over HTTP/1.1 unbuffered, with CORS for any site allowing PUT", () => {
    const upload = "/v1/widget/uploads/0193a5b0-0000-7000-8000-000000000001";
    for (const method of ["PUT", "OPTIONS"]) {
      const route = routeFor(upload, method);
      assert.equal(route?.route?.cluster, "ingress_webhooks", method);
      assert.equal(route?.route?.retry_policy, undefined, "a body is not replayed");
      const perFilter = route?.typed_per_filter_config ?? {};
      assert.deepEqual(perFilter["envoy.filters.http.buffer"], {
        "@type": `type.googleapis.com/${BUFFER_PER_ROUTE}`,
        disabled: true,
      });
      const cors = perFilter["envoy.filters.http.cors"] as {
        allow_origin_string_match: Array<{ safe_regex: { regex: string } }>;
        allow_methods: string;
        allow_headers: string;
      };
      assert.ok(
        new RegExp(cors.allow_origin_string_match[0]?.safe_regex.regex ?? "$^").test("https://shop.test"),
      );
      assert.ok(cors.allow_methods.split(/[\s,]+/).includes("PUT"));
      assert.ok(cors.allow_headers.includes("authorization"));
    }
    // CreateUpload's REST path is the transcoded RPC's, not this route.
    assert.notEqual(routeFor("/v1/widget/uploads", "POST")?.route?.cluster, "ingress_webhooks");
  });

  it("serves the tenant service's JWKS on GET /.well-known/jwks.json, and nothing else of /.well-known", () => {
    const route = routeFor("/.well-known/jwks.json", "GET")?.route;
    assert.equal(route?.cluster, "tenant");
    assert.ok((route?.retry_policy?.retry_on ?? "").includes("unavailable"), "a read: retried");
    assert.equal(routeFor("/.well-known/jwks.json", "POST"), undefined);
    assert.equal(routeFor("/.well-known/openid-configuration", "GET"), undefined);
  });

  it("hands services one client address in X-Forwarded-For, never one the client wrote", () => {
    assert.equal(hcm.use_remote_address, true, "the peer address counts, not the client's header");
    assert.equal(hcm.xff_num_trusted_hops ?? 0, 0, "no proxy in front is trusted by default");
    assert.equal(hcm.skip_xff_append ?? false, false);
    assert.equal(hcm.original_ip_detection_extensions, undefined, "the XFF rules above decide");
    const added = get<
      Array<{ header: { key: string; value: string }; append_action?: string; append?: boolean }>
    >(hcm, "route_config.request_headers_to_add");
    const xff = added.filter((h) => h.header.key.toLowerCase() === "x-forwarded-for");
    assert.equal(xff.length, 1);
    assert.deepEqual(xff[0], {
      header: { key: "x-forwarded-for", value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" },
      append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
    });
    // Nothing closer to a route (virtual host, route) sets, appends or removes it again.
    const text = readFileSync(CONFIG, "utf8").toLowerCase();
    assert.equal(countOutsideComments(text, "x-forwarded-for"), 1);
    assert.equal(countOutsideComments(text, "request_headers_to_remove"), 0);
  });

  it("runs the filters in order: health check, CORS, body limit, gRPC-web, transcoder, router", () => {
    assert.deepEqual(
      filters.map((f) => f.name),
      [
        "envoy.filters.http.health_check",
        "envoy.filters.http.cors",
        "envoy.filters.http.buffer",
        "envoy.filters.http.grpc_web",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
      ],
    );
    const health = get<{ exact: string }>(filters[0]?.typed_config, "headers.0.string_match");
    assert.equal(health.exact, "/healthz");
  });

  it("answers 413 to bodies over the local edge's limits: webhooks at ingress's, RPC messages at the services'", () => {
    const BUFFER = "envoy.filters.http.buffer";
    const buffer = filters.find((f) => f.name === BUFFER)?.typed_config;
    assert.equal(
      get<number>(buffer, "max_request_bytes"),
      RPC_MAX_MESSAGE_BYTES + RPC_ENVELOPE_BYTES,
      "default: one RPC message in its frame",
    );
    const perRoute = (path: string) =>
      routeFor(path)?.typed_per_filter_config?.[BUFFER] as
        | { disabled?: boolean; buffer?: { max_request_bytes: number } }
        | undefined;

    const webhooks = perRoute("/webhooks/whatsapp/0193a5b0-0000-7000-8000-000000000001");
    assert.equal(webhooks?.buffer?.max_request_bytes, WEBHOOK_MAX_BODY_BYTES);
    assert.equal(
      WEBHOOK_MAX_BODY_BYTES,
      loadConfig({
        DATABASE_URL: "postgres://u:p@h/db",
        REDIS_URL: "redis://h",
        NATS_URL: "nats://h",
      }).webhookMaxBodyBytes,
      "ingress's own default",
    );

    const streams = clientStreamingRpcPaths();
    assert.ok(streams.size > 0, "the contracts have a client stream");
    for (const rpc of catalog.filter((r) => r.public)) {
      const override = perRoute(rpc.path);
      if (streams.has(rpc.path)) {
        assert.deepEqual(
          override,
          { "@type": `type.googleapis.com/${BUFFER_PER_ROUTE}`, disabled: true },
          rpc.path,
        );
      } else {
        assert.equal(override, undefined, `${rpc.path} keeps the default limit`);
      }
    }
  });

  it("allows the Connect and gRPC-web headers in CORS and exposes grpc-status and grpc-message", () => {
    const perFilter = get<Record<string, { allow_headers: string; expose_headers: string }>>(
      vhost,
      "typed_per_filter_config",
    );
    const policy = perFilter["envoy.filters.http.cors"];
    assert.ok(policy, "the virtual host has a CORS policy");
    const allow = policy.allow_headers.toLowerCase().split(/[\s,]+/);
    for (const h of [...connectCors.allowedHeaders, "authorization"]) {
      assert.ok(allow.includes(h.toLowerCase()), `allow_headers has ${h}`);
    }
    const expose = policy.expose_headers.toLowerCase().split(/[\s,]+/);
    for (const h of connectCors.exposedHeaders)
      assert.ok(expose.includes(h.toLowerCase()), `expose has ${h}`);
  });

  it("answers CORS for any site on the widget's RPCs and REST paths, and the console's origins elsewhere", () => {
    type Cors = { allow_origin_string_match: Array<{ exact?: string; safe_regex?: { regex: string } }> };
    const corsOf = (path: string, method = "POST") =>
      routeFor(path, method)?.typed_per_filter_config?.["envoy.filters.http.cors"] as Cors | undefined;
    const allows = (cors: Cors | undefined, origin: string) =>
      (cors?.allow_origin_string_match ?? []).some((m) =>
        m.exact !== undefined ? m.exact === origin : new RegExp(m.safe_regex?.regex ?? "$^").test(origin),
      );
    const widgetRpcs = catalog.filter((r) => r.service === "atendo.ingress.v1.WidgetService");
    assert.equal(widgetRpcs.length, 6);
    for (const path of [...widgetRpcs.map((r) => r.path), "/v1/widget/sessions", "/v1/widget/messages"]) {
      const cors = corsOf(path, path.startsWith("/v1/") ? "OPTIONS" : "POST");
      assert.ok(allows(cors, "https://shop.example.com"), `${path} answers any site`);
      assert.ok(!allows(cors, "https://shop.example.com/evil"), `${path} matches origins, not URLs`);
    }
    assert.equal(
      corsOf("/atendo.ingress.v1.WebhookService/ListWebhookEvents"),
      undefined,
      "the console's policy",
    );
  });

  it("transcodes exactly the services with public RPCs, each present in the built descriptor set", function () {
    this.timeout(120_000);
    const transcoder = filters.find(
      (f) => f.name === "envoy.filters.http.grpc_json_transcoder",
    )?.typed_config;
    const listed = get<string[]>(transcoder, "services");
    const publicServices = [...new Set(catalog.filter((r) => r.public).map((r) => r.service))].sort();
    assert.deepEqual([...listed].sort(), publicServices);
    assert.equal(get<string>(transcoder, "proto_descriptor"), "/etc/envoy/atendo.binpb");

    const dir = mkdtempSync(join(tmpdir(), "atendo-descriptor-"));
    try {
      const set = fromBinary(
        FileDescriptorSetSchema,
        readFileSync(buildDescriptorSet(join(dir, "atendo.binpb"))),
      );
      const inSet = new Set(set.file.flatMap((f) => f.service.map((s) => `${f.package}.${s.name}`)));
      for (const s of listed) assert.ok(inSet.has(s), `${s} is in the descriptor set`);
      const files = new Set(set.file.map((f) => f.name));
      assert.ok(files.has("google/api/annotations.proto"), "the http rules' own definitions are included");
      assert.ok(
        set.file.every((f) => f.sourceCodeInfo === undefined),
        "no source info: the image stays small",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("against Envoy's v3 API (go-control-plane)", () => {
    const validate = (file: string) =>
      spawnSync("go", ["run", ".", file], {
        cwd: join(root, "gateway-envoy", "validate"),
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-buildvcs=false" },
      });

    it("accepts envoy.yaml: known fields only, every typed_config valid", function () {
      this.timeout(600_000);
      const res = validate(CONFIG);
      assert.equal(res.error, undefined, `could not run go: ${String(res.error)}`);
      assert.equal(res.status, 0, `${res.stdout}${res.stderr}`);
      assert.match(res.stdout, /^ok: \d+ typed configs validated/m);
    });

    it("rejects a config with a misspelt field or an invalid value (the check is real)", function () {
      this.timeout(600_000);
      const dir = mkdtempSync(join(tmpdir(), "atendo-envoy-"));
      try {
        const text = readFileSync(CONFIG, "utf8");
        const misspelt = join(dir, "misspelt.yaml");
        writeFileSync(misspelt, text.replace("allow_origin_string_match", "allow_origin_string_matches"));
        assert.notEqual(validate(misspelt).status, 0);
        const badPort = join(dir, "bad-port.yaml");
        writeFileSync(badPort, text.replace("port_value: 7103", "port_value: 70000"));
        const res = validate(badPort);
        assert.notEqual(res.status, 0);
        assert.match(res.stdout, /PortValue/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("builds on the Envoy release whose API the validator checks", () => {
    const dockerfile = readFileSync(join(root, "gateway-envoy", "Dockerfile"), "utf8");
    const image = /^FROM envoyproxy\/envoy:v(\d+\.\d+)\.\d+$/m.exec(dockerfile)?.[1];
    const goMod = readFileSync(join(root, "gateway-envoy", "validate", "go.mod"), "utf8");
    const api = /go-control-plane\/envoy v(\d+\.\d+)\.\d+/.exec(goMod)?.[1];
    assert.ok(image && api, "both versions are pinned");
    assert.equal(image, api);
    assert.match(dockerfile, /COPY gateway-envoy\/envoy.yaml \/etc\/envoy\/envoy.yaml/);
    assert.match(dockerfile, /COPY --from=descriptor \/app\/atendo.binpb \/etc\/envoy\/atendo.binpb/);
    execFileSync("git", ["check-ignore", "-q", "gateway-envoy/atendo.binpb"], { cwd: root });
  });
});
