import assert from "node:assert/strict";
import { compileSources } from "../packages/proto/test/support/compile-protos.js";
import {
  domainOfRpcPath,
  internalRpcPaths,
  internalServiceNames,
  rpcCatalog,
  serviceOfRpcPath,
} from "../scripts/lib/rpc-catalog.js";

const SHOP = `syntax = "proto3";
package atendo.shop.v1;
import "google/api/annotations.proto";
import "atendo/common/v1/service_options.proto";
message Item { string id = 1; }
service ItemService {
  rpc GetItem(Item) returns (Item) { option (google.api.http) = {get: "/v1/items/{id}"}; }
  rpc Stray(Item) returns (Item);
}
service ItemDirectoryService {
  option (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL;
  rpc ResolveItem(Item) returns (Item);
  rpc RoutedByMistake(Item) returns (Item) { option (google.api.http) = {get: "/v1/x/{id}"}; }
}
`;

describe("rpc catalog", () => {
  it("routes only RPCs of public services with a REST rule; everything of an internal service is internal", function () {
    this.timeout(30_000);
    const compiled = compileSources({ "atendo/shop/v1/shop.proto": SHOP });
    try {
      const byMethod = new Map(rpcCatalog(compiled.registry).map((r) => [r.method, r]));
      assert.deepEqual(
        [...byMethod.values()].map((r) => [r.method, r.public, r.internalService]),
        [
          ["ResolveItem", false, true],
          ["RoutedByMistake", false, true],
          ["GetItem", true, false],
          ["Stray", false, false],
        ],
      );
      assert.deepEqual([...internalRpcPaths(compiled.registry)].sort(), [
        "/atendo.shop.v1.ItemDirectoryService/ResolveItem",
        "/atendo.shop.v1.ItemDirectoryService/RoutedByMistake",
        "/atendo.shop.v1.ItemService/Stray",
      ]);
    } finally {
      compiled.dispose();
    }
  });

  it("keeps the internal RPCs of v1 unrouted", () => {
    const internal = internalRpcPaths();
    assert.ok(
      [...internal].some((p) => p.endsWith("/ResolveChannel")),
      "ResolveChannel is internal",
    );
    for (const r of rpcCatalog()) assert.equal(r.public, !internal.has(r.path), r.path);
  });

  it("knows every RPC's domain, kind and REST route", () => {
    const catalog = rpcCatalog();
    const get = catalog.find((r) => r.path === "/atendo.tenant.v1.TenantService/GetTenant");
    assert.deepEqual(get, {
      path: "/atendo.tenant.v1.TenantService/GetTenant",
      service: "atendo.tenant.v1.TenantService",
      method: "GetTenant",
      domain: "tenant",
      public: true,
      internalService: false,
      methodKind: "unary",
      readOnly: true,
      rest: "GET /v1/tenants/{tenant_id}",
    });
    const watch = catalog.find((r) => r.method === "WatchInbox");
    assert.equal(watch?.methodKind, "server_streaming");
    assert.equal(watch?.domain, "conversation");
    const create = catalog.find((r) => r.method === "CreateTenant");
    assert.equal(create?.readOnly, false);
    assert.equal(create?.rest, "POST /v1/tenants");
  });

  it("names the internal services, and the service of an RPC path", function () {
    this.timeout(30_000);
    const compiled = compileSources({ "atendo/shop/v1/shop.proto": SHOP });
    try {
      assert.deepEqual([...internalServiceNames(compiled.registry)], ["atendo.shop.v1.ItemDirectoryService"]);
    } finally {
      compiled.dispose();
    }
    assert.equal(
      serviceOfRpcPath("/atendo.shop.v1.ItemDirectoryService/Anything"),
      "atendo.shop.v1.ItemDirectoryService",
    );
    assert.equal(serviceOfRpcPath("/webhooks/whatsapp/x"), undefined);
  });

  it("reads the domain of an RPC path and nothing else", () => {
    assert.equal(domainOfRpcPath("/atendo.conversation.v1.ConversationService/ListMessages"), "conversation");
    for (const p of [
      "/webhooks/whatsapp/x",
      "/atendo.tenant.v2.X/Y",
      "/grpc.health.v1.Health/Check",
      "/atendo.tenant.v1.X",
    ]) {
      assert.equal(domainOfRpcPath(p), undefined, p);
    }
  });
});
