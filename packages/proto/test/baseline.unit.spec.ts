// v1 only grows: the current contract against the committed baseline (packages/proto/baseline/
// v1.binpb) with `buf breaking` (what `proto check` runs) and with the descriptor checks of what buf
// does not see (REST bindings, protovalidate rules). Each check is shown to catch what it guards.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registry } from "@atendo/proto/registry";
import { bufBreaking } from "../../../scripts/lib/buf-breaking.js";
import {
  type CompatViolation,
  checkCompatibility,
  formatCompatViolation,
} from "../../../scripts/lib/contract-compat.js";
import { BASELINE_IMAGE, readImage } from "../../../scripts/lib/proto-image.js";
import { type CompiledProtos, compileChangedCopy, compileSources } from "./support/compile-protos.js";

const show = (v: CompatViolation[]) => v.map(formatCompatViolation);

/** Replaces `from` with `to` in a file of a proto/ copy; fails when the file lacks `from`. */
function edit(protoDir: string, file: string, from: string, to: string): void {
  const path = join(protoDir, file);
  const text = readFileSync(path, "utf8");
  assert.ok(text.includes(from), `${file} has ${from}`);
  writeFileSync(path, text.replace(from, to));
}

function withCopy<T>(change: (protoDir: string) => void, fn: (c: CompiledProtos) => T): T {
  const c = compileChangedCopy(change);
  try {
    return fn(c);
  } finally {
    c.dispose();
  }
}

describe("the baseline of v1", function () {
  this.timeout(120_000);
  const baseline = readImage(BASELINE_IMAGE);

  describe("buf breaking (FILE rules of buf.yaml)", () => {
    it("fails on a field removed from a copy of proto/, naming it", () => {
      withCopy(
        (dir) => edit(dir, "atendo/tenant/v1/tenant.proto", "  string slug = 3;\n", "  reserved 3;\n"),
        (c) => {
          const res = bufBreaking(c.image);
          assert.equal(res.ok, false);
          assert.match(
            res.output,
            /tenant\.proto:\d+:\d+:Previously present field "3" with name "slug" on message "Tenant" was deleted/,
          );
        },
      );
    });

    /** `buf breaking` of one synthetic contract against another (files: path -> source). */
    function breaking(before: Record<string, string>, after: Record<string, string>) {
      const was = compileSources(before);
      const now = compileSources(after);
      try {
        return bufBreaking(now.image, was.image);
      } finally {
        was.dispose();
        now.dispose();
      }
    }
    const file = (body: string) => `syntax = "proto3";\npackage atendo.shop.v1;\n${body}\n`;
    const ITEM = "message Item { string id = 1; string name = 2; }";

    it("passes an additive change: a new field, a new message", () => {
      const after = `${ITEM.replace("}", "int32 stock = 3; }")}\nmessage Price { int64 cents = 1; }`;
      assert.deepEqual(
        breaking({ "atendo/shop/v1/item.proto": file(ITEM) }, { "atendo/shop/v1/item.proto": file(after) }),
        { ok: true, output: "" },
      );
    });

    it("fails on a changed JSON name (what REST clients read)", () => {
      const after = ITEM.replace("string name = 2;", 'string name = 2 [json_name = "title"];');
      const res = breaking(
        { "atendo/shop/v1/item.proto": file(ITEM) },
        { "atendo/shop/v1/item.proto": file(after) },
      );
      assert.equal(res.ok, false);
      assert.match(res.output, /"name" on message "Item" changed option "json_name" from "name" to "title"/);
    });

    it("fails on a message moved to another file of its package (what generated SDKs import)", () => {
      const res = breaking(
        { "atendo/shop/v1/item.proto": file(`${ITEM}\nmessage Price { int64 cents = 1; }`) },
        {
          "atendo/shop/v1/item.proto": file(ITEM),
          "atendo/shop/v1/price.proto": file("message Price { int64 cents = 1; }"),
        },
      );
      assert.equal(res.ok, false);
      assert.match(res.output, /Previously present message "Price" was deleted from file/);
    });
  });

  describe("descriptor checks", () => {
    it("finds no REST binding changed and no rule made stricter in the current contract", () => {
      assert.deepEqual(show(checkCompatibility(baseline, registry)), []);
    });

    it("catches a changed REST path and a stricter rule in a changed copy of proto/", () => {
      withCopy(
        (dir) => {
          edit(
            dir,
            "atendo/tenant/v1/tenant_service.proto",
            'get: "/v1/tenants/{tenant_id}"',
            'get: "/v1/orgs/{tenant_id}"',
          );
          edit(dir, "atendo/tenant/v1/tenant_service.proto", "max_len = 100", "max_len = 50");
        },
        (c) => {
          const found = show(checkCompatibility(baseline, c.registry));
          assert.ok(
            found.includes(
              "rest-binding: atendo.tenant.v1.TenantService.GetTenant: REST binding changed: GET /v1/tenants/{tenant_id} body= response_body= -> GET /v1/orgs/{tenant_id} body= response_body=",
            ),
            found.join("\n"),
          );
          assert.ok(
            found.some((f) =>
              /^validation: atendo\.tenant\.v1\.\w+: stricter: \w+: \(buf\.validate\.field\)\.string\.max_len "100" -> "50"$/.test(
                f,
              ),
            ),
            found.join("\n"),
          );
        },
      );
    });
  });

  describe("descriptor checks over synthetic contracts", () => {
    let before: CompiledProtos | undefined;
    after(() => before?.dispose());
    const contract = (body: string) => `syntax = "proto3";
package atendo.shop.v1;
import "buf/validate/validate.proto";
import "google/api/annotations.proto";
${body}
`;
    const BEFORE = contract(`
message GetItemRequest {
  string item_id = 1 [(buf.validate.field).string.max_len = 40];
}
message Item {
  string name = 1 [(buf.validate.field).string = {min_len: 1, max_len: 100}];
  int32 stock = 2 [(buf.validate.field).int32 = {gte: 0, lte: 1000}];
  string color = 3 [(buf.validate.field).string = {in: ["red", "blue"]}];
  string note = 4 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).string.min_len = 3];
  string code = 5;
  oneof when { string day = 6; string week = 7; }
}
service ItemService {
  rpc GetItem(GetItemRequest) returns (Item) {
    option (google.api.http) = {get: "/v1/items/{item_id}" additional_bindings {get: "/v1/item/{item_id}"}};
  }
  rpc SaveItem(Item) returns (Item) { option (google.api.http) = {post: "/v1/items" body: "*"}; }
}`);

    function diff(after: string): string[] {
      before ??= compileSources({ "atendo/shop/v1/shop.proto": BEFORE });
      const now = compileSources({ "atendo/shop/v1/shop.proto": after });
      try {
        return show(checkCompatibility(before.registry, now.registry));
      } finally {
        now.dispose();
      }
    }
    const change = (from: string, to: string) => {
      assert.ok(BEFORE.includes(from), `the fixture has ${from}`);
      return BEFORE.replace(from, to);
    };

    it("finds nothing when nothing changed", () => {
      assert.deepEqual(diff(BEFORE), []);
    });

    it("accepts looser rules and new fields that accept their absence", () => {
      const after = change("max_len: 100", "max_len: 200")
        .replace("lte: 1000", "lte: 5000")
        .replace('in: ["red", "blue"]', 'in: ["red", "blue", "green"]')
        .replace("(buf.validate.field).string.min_len = 3", "(buf.validate.field).string.min_len = 2")
        .replace("string item_id = 1 [(buf.validate.field).string.max_len = 40];", "string item_id = 1;")
        .replace(
          "string code = 5;",
          "string code = 5;\n  string sku = 8 [(buf.validate.field).string.max_len = 10];",
        );
      assert.deepEqual(diff(after), []);
    });

    it("catches a changed path, a changed body, a removed binding and a removed RPC", () => {
      assert.deepEqual(diff(change('get: "/v1/items/{item_id}" ', 'get: "/v1/things/{item_id}" ')), [
        "rest-binding: atendo.shop.v1.ItemService.GetItem: REST binding changed: GET /v1/items/{item_id} body= response_body= -> GET /v1/things/{item_id} body= response_body=",
      ]);
      assert.deepEqual(diff(change('body: "*"', 'body: "name"')), [
        "rest-binding: atendo.shop.v1.ItemService.SaveItem: REST binding changed: POST /v1/items body=* response_body= -> POST /v1/items body=name response_body=",
      ]);
      assert.deepEqual(diff(change(' additional_bindings {get: "/v1/item/{item_id}"}', "")), [
        "rest-binding: atendo.shop.v1.ItemService.GetItem: additional binding removed: GET /v1/item/{item_id} body= response_body=",
      ]);
      assert.deepEqual(
        diff(
          change(
            '  rpc SaveItem(Item) returns (Item) { option (google.api.http) = {post: "/v1/items" body: "*"}; }\n',
            "",
          ),
        ),
        [
          "rest-binding: atendo.shop.v1.ItemService.SaveItem: removed, and with it POST /v1/items body=* response_body=",
        ],
      );
    });

    it("catches every kind of stricter rule on an existing field", () => {
      const cases: Array<[string, string, string]> = [
        ["max_len: 100", "max_len: 50", 'name: (buf.validate.field).string.max_len "100" -> "50"'],
        ["min_len: 1,", "min_len: 2,", 'name: (buf.validate.field).string.min_len "1" -> "2"'],
        [
          "lte: 1000",
          "lt: 1000",
          'stock: (buf.validate.field).int32 upper bound {"value":1000,"inclusive":true} -> {"value":1000,"inclusive":false}',
        ],
        [
          "gte: 0,",
          "gte: 1,",
          'stock: (buf.validate.field).int32 lower bound {"value":0,"inclusive":true} -> {"value":1,"inclusive":true}',
        ],
        [
          'in: ["red", "blue"]',
          'in: ["red"]',
          'color: (buf.validate.field).string.in ["\\"red\\"","\\"blue\\""] -> ["\\"red\\""]',
        ],
        [
          "(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, ",
          "",
          "note: (buf.validate.field).ignore 1 -> 0",
        ],
        [
          "string code = 5;",
          "string code = 5 [(buf.validate.field).required = true];",
          "code: (buf.validate.field).required false -> true",
        ],
        [
          "string code = 5;",
          'string code = 5 [(buf.validate.field).string.pattern = "^[A-Z]+$"];',
          'code: (buf.validate.field).string.pattern "none" -> "^[A-Z]+$"',
        ],
        [
          "string code = 5;",
          "string code = 5 [(buf.validate.field).string.uuid = true];",
          "code: (buf.validate.field).string.uuid false -> true",
        ],
        [
          "string code = 5;",
          'string code = 5 [(buf.validate.field).cel = {id: "code.upper", message: "upper case", expression: "this == this.upperAscii()"}];',
          'code: (buf.validate.field).cel adds {"id":"code.upper","message":"upper case","expression":"this == this.upperAscii()"}',
        ],
        [
          "oneof when {",
          "oneof when {\n    option (buf.validate.oneof).required = true;",
          "oneof when: (buf.validate.oneof).required false -> true",
        ],
      ];
      for (const [from, to, want] of cases) {
        assert.deepEqual(
          diff(change(from, to)),
          [`validation: atendo.shop.v1.Item: stricter: ${want}`],
          `${from} -> ${to}`,
        );
      }
    });

    it("catches a new message rule and a new field that refuses its absence", () => {
      assert.deepEqual(
        diff(
          change(
            "message Item {",
            'message Item {\n  option (buf.validate.message).cel = {id: "item.named", message: "named", expression: "this.name != \'\'"};',
          ),
        ),
        [
          'validation: atendo.shop.v1.Item: stricter: (buf.validate.message).cel adds {"id":"item.named","message":"named","expression":"this.name != \'\'"}',
        ],
      );
      assert.deepEqual(
        diff(
          change(
            "string code = 5;",
            "string code = 5;\n  string owner = 9 [(buf.validate.field).string.min_len = 1];",
          ),
        ),
        [
          "validation: atendo.shop.v1.Item: stricter: new field owner refuses its absence: must be at least 1 characters",
        ],
      );
    });
  });
});
