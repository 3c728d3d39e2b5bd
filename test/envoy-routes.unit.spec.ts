// The generator of Envoy's RPC routes (scripts/lib/envoy-routes.ts) over a synthetic catalogue,
// read back the way Envoy reads routes (first match wins).
import assert from "node:assert/strict";
import { parse } from "yaml";
import { rpcRoutesYaml, transcoderServicesYaml } from "../scripts/lib/envoy-routes.js";
import type { RpcInfo } from "../scripts/lib/rpc-catalog.js";

function rpc(service: string, method: string, over: Partial<RpcInfo> = {}): RpcInfo {
  const domain = service.split(".")[1] ?? "";
  const internalService = service === "atendo.shop.v1.ItemDirectoryService";
  return {
    path: `/${service}/${method}`,
    service,
    method,
    domain,
    public: !internalService,
    internalService,
    methodKind: "unary",
    readOnly: false,
    ...(internalService ? {} : { rest: `POST /v1/${method}` }),
    ...over,
  };
}

/** A public service's RPC without a REST rule. */
function unrouted({ rest: _rest, ...info }: RpcInfo): RpcInfo {
  return { ...info, public: false };
}

const CATALOG: RpcInfo[] = [
  rpc("atendo.shop.v1.ItemService", "GetItem", { readOnly: true }),
  rpc("atendo.shop.v1.ItemService", "CreateItem"),
  rpc("atendo.shop.v1.ItemService", "WatchItems", { methodKind: "server_streaming", readOnly: true }),
  rpc("atendo.shop.v1.ItemService", "UploadPhoto", { methodKind: "client_streaming" }),
  unrouted(rpc("atendo.shop.v1.ItemService", "Stray")),
  rpc("atendo.shop.v1.ItemDirectoryService", "ResolveItem", { readOnly: true }),
  rpc("atendo.ai.v1.AiService", "GenerateReply"),
];

interface Route {
  match: { path?: string; prefix?: string; safe_regex?: { regex: string } };
  route?: { cluster: string; timeout?: string; idle_timeout?: string; retry_policy?: { retry_on: string } };
  direct_response?: { status: number };
  typed_per_filter_config?: Record<string, { disabled?: boolean }>;
}

const routes = parse(`routes:\n${rpcRoutesYaml(CATALOG, "  ")}`).routes as Route[];
const routeFor = (path: string) =>
  routes.find(({ match }) =>
    match.path !== undefined
      ? match.path === path
      : match.prefix !== undefined
        ? path.startsWith(match.prefix)
        : new RegExp(match.safe_regex?.regex ?? "$^").test(path),
  );

describe("generated Envoy routes", () => {
  it("denies an internal service by service, any method, before anything could forward it", () => {
    assert.equal(routeFor("/atendo.shop.v1.ItemDirectoryService/ResolveItem")?.direct_response?.status, 404);
    assert.equal(
      routeFor("/atendo.shop.v1.ItemDirectoryService/NotInTheContract")?.direct_response?.status,
      404,
    );
    assert.equal(routes[0]?.match.prefix, "/atendo.shop.v1.ItemDirectoryService/");
  });

  it("denies an RPC of a public service that has no REST rule", () => {
    assert.equal(routeFor("/atendo.shop.v1.ItemService/Stray")?.direct_response?.status, 404);
  });

  it("retries reads, and writes only when they never reached a service", () => {
    assert.match(
      routeFor("/atendo.shop.v1.ItemService/GetItem")?.route?.retry_policy?.retry_on ?? "",
      /unavailable/,
    );
    assert.equal(
      routeFor("/atendo.shop.v1.ItemService/CreateItem")?.route?.retry_policy?.retry_on,
      "connect-failure,refused-stream",
    );
    assert.equal(routeFor("/atendo.ai.v1.AiService/GenerateReply")?.route?.timeout, "60s");
    assert.equal(routeFor("/atendo.shop.v1.ItemService/CreateItem")?.route?.timeout, "30s");
  });

  it("gives streams no overall timeout, and client streams no body buffer", () => {
    const watch = routeFor("/atendo.shop.v1.ItemService/WatchItems");
    assert.deepEqual(watch?.route, { cluster: "shop", timeout: "0s", idle_timeout: "3600s" });
    const upload = routeFor("/atendo.shop.v1.ItemService/UploadPhoto");
    assert.equal(upload?.route?.timeout, "300s");
    assert.equal(upload?.typed_per_filter_config?.["envoy.filters.http.buffer"]?.disabled, true);
  });

  it("transcodes the services with public RPCs only", () => {
    assert.deepEqual(parse(`s:\n${transcoderServicesYaml(CATALOG, "  ")}`).s, [
      "atendo.ai.v1.AiService",
      "atendo.shop.v1.ItemService",
    ]);
  });
});
