import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { domainOfRpcPath, internalRpcPaths, rpcCatalog } from "../scripts/lib/rpc-catalog.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();

/** RPCs whose comment in the .proto source says "Internal:", as docs/contracts.md requires. */
function internalFromSources(): string[] {
  const out: string[] = [];
  const protoRoot = join(root, "proto");
  for (const rel of readdirSync(protoRoot, { recursive: true, encoding: "utf8" })) {
    if (!rel.endsWith("_service.proto")) continue;
    const text = readFileSync(join(protoRoot, rel), "utf8");
    const pkg = /^package ([\w.]+);/m.exec(text)?.[1];
    let service = "";
    let commentSaysInternal = false;
    for (const line of text.split("\n")) {
      const s = /^service (\w+)/.exec(line);
      if (s?.[1]) service = s[1];
      if (/^\s*\/\/.*Internal:/.test(line)) commentSaysInternal = true;
      const rpc = /^\s*rpc (\w+)\(/.exec(line);
      if (rpc?.[1]) {
        if (commentSaysInternal) out.push(`/${pkg}.${service}/${rpc[1]}`);
        commentSaysInternal = false;
      } else if (!/^\s*\/\//.test(line)) {
        commentSaysInternal = false;
      }
    }
  }
  return out.sort();
}

describe("rpc catalog", () => {
  it("calls internal exactly the RPCs without a google.api.http rule, which the sources mark Internal", () => {
    const internal = [...internalRpcPaths()].sort();
    assert.deepEqual(internal, internalFromSources());
    assert.ok(internal.includes("/atendo.tenant.v1.ChannelDirectoryService/ResolveChannel"));
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
