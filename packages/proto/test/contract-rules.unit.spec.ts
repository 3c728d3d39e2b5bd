// The contract rules checker (scripts/lib/contract-rules.ts) over small synthetic contracts: a
// contract that keeps every rule passes, and each kind of violation is caught and named.
import assert from "node:assert/strict";
import {
  checkContractRules,
  eventVisibility,
  formatViolation,
  type Violation,
} from "../../../scripts/lib/contract-rules.js";
import { compileSources } from "./support/compile-protos.js";

// Synthetic contracts import the real options of atendo/common/v1 (service and event visibility,
// the status code of an error reason).
const SHOP = `syntax = "proto3";
package atendo.shop.v1;
import "google/api/annotations.proto";
import "atendo/common/v1/error_reason.proto";
import "atendo/common/v1/event.proto";
import "atendo/common/v1/event_options.proto";
import "atendo/common/v1/service_options.proto";
message Item { string id = 1; }
message ListItemsRequest { int32 page_size = 1; string page_token = 2; }
message ListItemsResponse { repeated Item items = 1; string next_page_token = 2; }
message GetItemRequest { string item_id = 1; }
message CreateItemRequest { string request_id = 1; Item item = 2; }
message UpdateItemRequest { Item item = 1; }
message DeleteItemRequest { string item_id = 1; }
message ArchiveItemRequest { string request_id = 1; string item_id = 2; }
message SearchItemsRequest { string query = 1; }
message ResolveItemRequest { string key = 1; }
message ReserveItemRequest { string item_id = 1; }
service ItemService {
  rpc ListItems(ListItemsRequest) returns (ListItemsResponse) {
    option (google.api.http) = {get: "/v1/items"};
    option idempotency_level = NO_SIDE_EFFECTS;
  }
  rpc GetItem(GetItemRequest) returns (Item) {
    option (google.api.http) = {get: "/v1/items/{item_id}"};
    option idempotency_level = NO_SIDE_EFFECTS;
  }
  rpc CreateItem(CreateItemRequest) returns (Item) {
    option (google.api.http) = {post: "/v1/items" body: "*"};
  }
  rpc UpdateItem(UpdateItemRequest) returns (Item) {
    option (google.api.http) = {patch: "/v1/items/{item.id}" body: "*"};
  }
  rpc DeleteItem(DeleteItemRequest) returns (Item) {
    option (google.api.http) = {delete: "/v1/items/{item_id}"};
  }
  rpc ArchiveItem(ArchiveItemRequest) returns (Item) {
    option (google.api.http) = {post: "/v1/items/{item_id}:archive" body: "*"};
  }
  rpc SearchItems(SearchItemsRequest) returns (ListItemsResponse) {
    option (google.api.http) = {post: "/v1/items:search" body: "*"};
    option idempotency_level = NO_SIDE_EFFECTS;
  }
}
service ItemDirectoryService {
  option (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL;
  rpc ResolveItem(ResolveItemRequest) returns (Item);
  rpc ReserveItem(ReserveItemRequest) returns (Item);
}
message ItemCreated {
  option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC;
  atendo.common.v1.EventMeta meta = 1;
  Item item = 2;
}
message ItemIndexed {
  option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_INTERNAL;
  atendo.common.v1.EventMeta meta = 1;
}
enum ErrorReason {
  ERROR_REASON_UNSPECIFIED = 0;
  ERROR_REASON_ITEM_SOLD_OUT = 1 [(atendo.common.v1.code) = FAILED_PRECONDITION];
}
`;

const STOCK = `syntax = "proto3";
package atendo.stock.v1;
import "atendo/common/v1/error_reason.proto";
enum ErrorReason {
  ERROR_REASON_UNSPECIFIED = 0;
  ERROR_REASON_STOCK_LOCKED = 1 [(atendo.common.v1.code) = ABORTED];
  ERROR_REASON_STOCK_FROZEN = 2 [(atendo.common.v1.code) = FAILED_PRECONDITION];
}
`;

interface Contract {
  shop?: string;
  stock?: string;
  extra?: Record<string, string>;
}

function violationsOf(c: Contract = {}): string[] {
  const compiled = compileSources({
    "atendo/shop/v1/shop.proto": c.shop ?? SHOP,
    "atendo/stock/v1/stock.proto": c.stock ?? STOCK,
    ...c.extra,
  });
  try {
    return checkContractRules(compiled.registry).map((v: Violation) => formatViolation(v));
  } finally {
    compiled.dispose();
  }
}

/** SHOP with `from` replaced by `to`; fails loudly when the fixture no longer has `from`. */
function shopWith(from: string, to: string): string {
  assert.ok(SHOP.includes(from), `the fixture has ${from}`);
  return SHOP.replace(from, to);
}

describe("contract rules checker (synthetic contracts)", function () {
  this.timeout(60_000);

  it("passes a contract that keeps every rule", () => {
    assert.deepEqual(violationsOf(), []);
  });

  describe("pagination (AIP-158)", () => {
    it("refuses a List RPC whose page fields are nested in page messages", () => {
      const shop = shopWith(
        "message ListItemsRequest { int32 page_size = 1; string page_token = 2; }\nmessage ListItemsResponse { repeated Item items = 1; string next_page_token = 2; }",
        "message PageRequest { int32 page_size = 1; string page_token = 2; }\n" +
          "message PageResponse { string next_page_token = 1; }\n" +
          "message ListItemsRequest { PageRequest page = 1; }\n" +
          "message ListItemsResponse { repeated Item items = 1; PageResponse page = 2; }",
      );
      assert.deepEqual(violationsOf({ shop }).sort(), [
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsRequest lacks a top-level int32 page_size",
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsRequest lacks a top-level string page_token",
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsRequest.page nests page fields in atendo.shop.v1.PageRequest: keep them top-level",
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsResponse lacks a top-level string next_page_token",
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsResponse.page nests page fields in atendo.shop.v1.PageResponse: keep them top-level",
      ]);
    });

    it("refuses page fields of the wrong type", () => {
      const shop = shopWith(
        "int32 page_size = 1; string page_token",
        "int64 page_size = 1; string page_token",
      );
      assert.deepEqual(violationsOf({ shop }), [
        "pagination: atendo.shop.v1.ItemService.ListItems: ListItemsRequest lacks a top-level int32 page_size",
      ]);
    });
  });

  describe("public and internal services", () => {
    it("refuses a REST rule on an internal service's RPC", () => {
      const shop = shopWith(
        "rpc ResolveItem(ResolveItemRequest) returns (Item);",
        'rpc ResolveItem(ResolveItemRequest) returns (Item) { option (google.api.http) = {get: "/v1/resolve/{key}"}; }',
      );
      assert.deepEqual(violationsOf({ shop }), [
        "internal-unrouted: atendo.shop.v1.ItemDirectoryService.ResolveItem: an internal service's RPC has a google.api.http rule",
      ]);
    });

    it("refuses a public RPC without a REST rule, pointing to an internal service", () => {
      const shop = shopWith('    option (google.api.http) = {get: "/v1/items/{item_id}"};\n', "");
      assert.deepEqual(violationsOf({ shop }), [
        "public-routed: atendo.shop.v1.ItemService.GetItem: a public RPC without a google.api.http rule: add one, or move it to a service marked (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL",
      ]);
    });
  });

  describe("event visibility", () => {
    it("refuses an event that is not marked, or marked neither public nor internal", () => {
      const shop = shopWith(
        "  option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_INTERNAL;\n",
        "",
      ).replace("EVENT_VISIBILITY_PUBLIC;", "EVENT_VISIBILITY_UNSPECIFIED;");
      assert.deepEqual(violationsOf({ shop }), [
        "event-visibility: atendo.shop.v1.ItemCreated: not marked: add option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC or _INTERNAL",
        "event-visibility: atendo.shop.v1.ItemIndexed: not marked: add option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC or _INTERNAL",
      ]);
    });

    it("reads the marking", () => {
      const compiled = compileSources({ "atendo/shop/v1/shop.proto": SHOP });
      try {
        const vis = (name: string) => {
          const msg = compiled.registry.getMessage(name);
          assert.ok(msg, name);
          return eventVisibility(msg);
        };
        assert.equal(vis("atendo.shop.v1.ItemCreated"), "public");
        assert.equal(vis("atendo.shop.v1.ItemIndexed"), "internal");
      } finally {
        compiled.dispose();
      }
    });
  });

  describe("request_id (AIP-155)", () => {
    it("requires it on a Create and on a custom method that changes something", () => {
      const shop = shopWith(
        "message CreateItemRequest { string request_id = 1; Item item = 2; }",
        "message CreateItemRequest { Item item = 2; }",
      ).replace(
        "message ArchiveItemRequest { string request_id = 1; string item_id = 2; }",
        "message ArchiveItemRequest { string item_id = 2; }",
      );
      assert.deepEqual(violationsOf({ shop }), [
        "request-id: atendo.shop.v1.ItemService.CreateItem: CreateItemRequest lacks a top-level string request_id (clients retry it)",
        "request-id: atendo.shop.v1.ItemService.ArchiveItem: ArchiveItemRequest lacks a top-level string request_id (clients retry it)",
      ]);
    });

    it("refuses a request_id of another type", () => {
      const shop = shopWith("string request_id = 1; Item item", "bytes request_id = 1; Item item");
      assert.deepEqual(violationsOf({ shop }), [
        "request-id: atendo.shop.v1.ItemService.CreateItem: CreateItemRequest lacks a top-level string request_id (clients retry it)",
      ]);
    });

    it("spares reads, standard updates and deletes, internal services and the listed exemptions", () => {
      // The fixture's Get/List/Search/Update/Delete and internal ReserveItem take no request_id;
      // AuthService.Login is on the exemption list, ResetPassword is not.
      const tenant = `syntax = "proto3";
package atendo.tenant.v1;
import "google/api/annotations.proto";
message LoginRequest { string email = 1; }
message LoginResponse { string token = 1; }
service AuthService {
  rpc Login(LoginRequest) returns (LoginResponse) { option (google.api.http) = {post: "/v1/auth:login" body: "*"}; }
  rpc ResetPassword(LoginRequest) returns (LoginResponse) { option (google.api.http) = {post: "/v1/auth:resetPassword" body: "*"}; }
}
`;
      assert.deepEqual(violationsOf({ extra: { "atendo/tenant/v1/auth.proto": tenant } }), [
        "request-id: atendo.tenant.v1.AuthService.ResetPassword: LoginRequest lacks a top-level string request_id (clients retry it)",
      ]);
    });

    it("finds it in the first message of a client stream", () => {
      const upload = (withId: boolean) => `syntax = "proto3";
package atendo.shop.v1;
import "google/api/annotations.proto";
message UploadMeta { ${withId ? "string request_id = 1; " : ""}string name = 2; }
message UploadPhotoRequest { oneof part { UploadMeta metadata = 1; bytes chunk = 2; } }
message UploadPhotoResponse { string id = 1; }
service PhotoService {
  rpc UploadPhoto(stream UploadPhotoRequest) returns (UploadPhotoResponse) {
    option (google.api.http) = {post: "/v1/photos:upload" body: "*"};
  }
}
`;
      assert.deepEqual(violationsOf({ extra: { "atendo/shop/v1/photo.proto": upload(true) } }), []);
      assert.deepEqual(violationsOf({ extra: { "atendo/shop/v1/photo.proto": upload(false) } }), [
        "request-id: atendo.shop.v1.PhotoService.UploadPhoto: UploadPhotoRequest lacks a top-level string request_id (clients retry it)",
      ]);
    });
  });

  describe("error reasons", () => {
    it("refuses a reason used by two domains, common's included", () => {
      const stock = STOCK.replace("ERROR_REASON_STOCK_LOCKED", "ERROR_REASON_ITEM_SOLD_OUT");
      assert.deepEqual(violationsOf({ stock }), [
        "error-reason: atendo.stock.v1.ErrorReason.ERROR_REASON_ITEM_SOLD_OUT: reason ITEM_SOLD_OUT is already atendo.shop.v1.ErrorReason.ERROR_REASON_ITEM_SOLD_OUT: reasons are unique across domains",
      ]);
      const common = STOCK.replace("ERROR_REASON_STOCK_LOCKED", "ERROR_REASON_NOT_FOUND");
      assert.deepEqual(violationsOf({ stock: common }), [
        "error-reason: atendo.stock.v1.ErrorReason.ERROR_REASON_NOT_FOUND: reason NOT_FOUND is already atendo.common.v1.ErrorReason.ERROR_REASON_NOT_FOUND: reasons are unique across domains",
      ]);
    });

    it("refuses a reason that names no status code", () => {
      const stock = STOCK.replace(" [(atendo.common.v1.code) = ABORTED]", "");
      assert.deepEqual(violationsOf({ stock }), [
        "error-reason: atendo.stock.v1.ErrorReason.ERROR_REASON_STOCK_LOCKED: names no status code: add [(atendo.common.v1.code) = <CODE>]",
      ]);
    });

    it("refuses an ErrorReason enum nested in a message", () => {
      const shop = shopWith(
        "enum ErrorReason {\n  ERROR_REASON_UNSPECIFIED = 0;\n  ERROR_REASON_ITEM_SOLD_OUT = 1 [(atendo.common.v1.code) = FAILED_PRECONDITION];\n}\n",
        "message Errors { enum ErrorReason { ERROR_REASON_UNSPECIFIED = 0; ERROR_REASON_ITEM_SOLD_OUT = 1 [(atendo.common.v1.code) = FAILED_PRECONDITION]; } }\n",
      );
      assert.deepEqual(violationsOf({ shop }), [
        "error-reason: atendo.shop.v1.Errors.ErrorReason: an ErrorReason enum lives at the top of its domain's package: atendo.<domain>.v1.ErrorReason",
      ]);
    });
  });
});
