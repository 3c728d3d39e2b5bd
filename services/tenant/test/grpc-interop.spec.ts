import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { adminQuery, uniqueSlug } from "@atendo/testing";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { writeProtovalidateInclude } from "./support/protovalidate-include.js";
import { startTenantForTest, type TenantHarness } from "./support/start-tenant.js";

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryMethod = (req: object, metadata: grpc.Metadata, cb: Callback) => void;

const PROTO_ROOT = fileURLToPath(new URL("../../../proto", import.meta.url));
// google/api/annotations.proto and http.proto come from the google-proto-files package.
const GOOGLE_PROTOS = dirname(createRequire(import.meta.url).resolve("google-proto-files/package.json"));

/** Walks a loaded package definition to a service constructor, checking each step. */
function serviceConstructor(root: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path.split(".")) {
    assert.ok(typeof node === "object" || typeof node === "function", `no ${part} in ${path}`);
    node = (node as Record<string, unknown>)[part];
  }
  assert.equal(typeof node, "function", `${path} is not a service`);
  return node as grpc.ServiceClientConstructor;
}

function unary(
  client: grpc.Client,
  method: string,
  req: object,
  token?: string,
): Promise<Record<string, unknown>> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  assert.ok(fn, `no method ${method}`);
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    fn.call(client, req, metadata, (err, res) => {
      if (err) reject(err);
      else resolve(res as Record<string, unknown>);
    });
  });
}

describe("gRPC interop (grpc-js with .proto files loaded at run time)", () => {
  let h: TenantHarness;
  let includeDir: string;
  let client: grpc.Client;

  before(async () => {
    h = await startTenantForTest();
    includeDir = await writeProtovalidateInclude(await mkdtemp(join(tmpdir(), "atendo-protovalidate-")));
    const definition = await protoLoader.load("atendo/tenant/v1/tenant_service.proto", {
      includeDirs: [PROTO_ROOT, GOOGLE_PROTOS, includeDir],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    // The generated validate.proto was parsed, not skipped: its rule messages are in the definition.
    assert.ok("buf.validate.FieldRules" in definition && "buf.validate.StringRules" in definition);
    const Service = serviceConstructor(
      grpc.loadPackageDefinition(definition),
      "atendo.tenant.v1.TenantService",
    );
    client = new Service(new URL(h.url).host, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await h?.stop();
    if (includeDir) await rm(includeDir, { recursive: true, force: true });
  });

  it("creates a tenant and reads it back over plain gRPC", async () => {
    const slug = uniqueSlug("grpc");
    const token = h.admin.accessToken;
    const created = await unary(client, "CreateTenant", { name: "Over gRPC", slug, plan: "PLAN_PRO" }, token);
    const tenant = created.tenant as Record<string, unknown>;
    assert.equal(tenant.slug, slug);
    assert.equal(tenant.plan, "PLAN_PRO");
    assert.equal(tenant.status, "TENANT_STATUS_ACTIVE");
    assert.equal((tenant.limits as Record<string, unknown>).channels, 25);

    const got = await unary(client, "GetTenant", { tenant_id: tenant.id }, token);
    const read = got.tenant as Record<string, unknown>;
    assert.deepEqual([read.id, read.name, read.slug], [tenant.id, "Over gRPC", slug]);
    assert.equal(
      (read.created_at as Record<string, unknown>).seconds,
      (tenant.created_at as Record<string, unknown>).seconds,
    );
    const rows = await adminQuery("select 1 from tenant.tenants where id = $1 and slug = $2", [
      tenant.id,
      slug,
    ]);
    assert.equal(rows.length, 1);
  });

  it("carries error codes and field-naming messages as gRPC statuses", async () => {
    const slug = uniqueSlug("grpc");
    const token = h.admin.accessToken;
    await unary(client, "CreateTenant", { name: "A", slug, plan: "PLAN_FREE" }, token);
    await assert.rejects(
      unary(client, "CreateTenant", { name: "B", slug, plan: "PLAN_FREE" }, token),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.ALREADY_EXISTS);
        return true;
      },
    );
    await assert.rejects(
      unary(client, "CreateTenant", { name: "C", slug: "-bad-", plan: "PLAN_FREE" }, token),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.match(err.details, /slug/);
        return true;
      },
    );
  });

  it("reads credentials from gRPC metadata: none or a forged token is UNAUTHENTICATED", async () => {
    for (const token of [undefined, `${h.admin.accessToken.slice(0, -4)}AAAA`]) {
      await assert.rejects(unary(client, "ListTenants", {}, token), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.UNAUTHENTICATED);
        assert.equal(err.details, "missing or invalid credentials");
        return true;
      });
    }
  });
});
