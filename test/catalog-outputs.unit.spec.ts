// What `proto gen` writes from the contracts besides code (scripts/catalog-outputs.ts): generated
// blocks are replaced in place and found stale when the contracts moved on; the tables of
// docs/contracts.md and docs/errors.md say what the descriptors and their comments say.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssistantService, KnowledgeService } from "@atendo/proto/assistant/v1";
import { createServer } from "@atendo/service-kit";
import type { Logger } from "@atendo/telemetry";
import { compileSources } from "../packages/proto/test/support/compile-protos.js";
import { staleFiles } from "../scripts/catalog-outputs.js";
import { errorsMarkdown, eventsMarkdown, servicesMarkdown } from "../scripts/lib/contract-docs.js";
import { emptyBlock, replaceBlock } from "../scripts/lib/generated-block.js";
import { implementedBy, implementedRpcPaths } from "../scripts/lib/implemented-rpcs.js";

const SHOP = `syntax = "proto3";
package atendo.shop.v1;
import "google/api/annotations.proto";
import "atendo/common/v1/error_reason.proto";
import "atendo/common/v1/event.proto";
import "atendo/common/v1/event_options.proto";
import "atendo/common/v1/service_options.proto";
message Item { string id = 1; }
// Items on sale.
service ItemService {
  // Reads an item.
  rpc GetItem(Item) returns (Item) { option (google.api.http) = {get: "/v1/items/{id}"}; }
  // Follows items.
  rpc WatchItems(Item) returns (stream Item) { option (google.api.http) = {get: "/v1/items:watch"}; }
}
service ItemDirectoryService {
  option (atendo.common.v1.service).visibility = SERVICE_VISIBILITY_INTERNAL;
  // Finds an item by key.
  rpc ResolveItem(Item) returns (Item);
}
// ItemSold: an item was sold. Subject: \`atendo.shop.v1.item_sold\`.
message ItemSold {
  option (atendo.common.v1.event).visibility = EVENT_VISIBILITY_PUBLIC;
  atendo.common.v1.EventMeta meta = 1;
}
// ItemCounted: stock was counted. Subject: \`atendo.shop.v1.item_counted\`.
message ItemCounted { atendo.common.v1.EventMeta meta = 1; }
enum ErrorReason {
  ERROR_REASON_UNSPECIFIED = 0;
  // The shop sold every item of the kind. Metadata: \`kind\`.
  ERROR_REASON_SOLD_OUT = 1 [(atendo.common.v1.code) = RESOURCE_EXHAUSTED];
  // Something nobody gave a code.
  ERROR_REASON_ODD = 2;
}
`;

describe("outputs of the RPC catalogue", function () {
  this.timeout(60_000);
  const compiled = compileSources({ "atendo/shop/v1/shop.proto": SHOP });
  after(() => compiled.dispose());

  it("replaces a generated block in place and refuses a file that lost its markers", () => {
    const text = `# intro\n${emptyBlock("routes", "yaml", "  ")}# outro\n`;
    const once = replaceBlock(text, "routes", "  - a\n", "yaml");
    assert.match(
      once,
      /^# intro\n {2}# BEGIN GENERATED routes: `npm run proto:gen` writes it from the contracts; do not edit\n {2}- a\n {2}# END GENERATED routes\n# outro\n$/,
    );
    assert.equal(replaceBlock(once, "routes", "  - a\n", "yaml"), once, "writing twice changes nothing");
    assert.throws(() => replaceBlock("# intro\n", "routes", "x\n", "yaml"), /no generated block "routes"/);
    const md = replaceBlock(`a\n${emptyBlock("t", "markdown")}b\n`, "t", "| x |\n", "markdown");
    assert.match(
      md,
      /^a\n<!-- BEGIN GENERATED t: .*do not edit -->\n\| x \|\n<!-- END GENERATED t -->\nb\n$/,
    );
  });

  it("finds a file stale when its block differs from the contracts, and not once rewritten", () => {
    const dir = mkdtempSync(join(tmpdir(), "atendo-blocks-"));
    try {
      const file = join(dir, "doc.md");
      writeFileSync(file, `# Doc\n${emptyBlock("t", "markdown")}`);
      const body = "| fresh | x |\n| --- | --- |\n| a | b |\n";
      const blocks = [{ file, name: "t", style: "markdown" as const, body }];
      const stale = staleFiles(blocks);
      assert.deepEqual([...stale.keys()], [file]);
      writeFileSync(file, stale.get(file) ?? "");
      assert.equal(staleFiles(blocks).size, 0);
      // Written as `npm run format` leaves it, so that lint and the staleness check agree.
      assert.match(readFileSync(file, "utf8"), /\| fresh \| x {3}\|\n\| -{5} \| -{3} \|\n\| a {5}\| b {3}\|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists every RPC with its REST binding and whether it is implemented", () => {
    const md = servicesMarkdown(compiled.registry, new Set(["/atendo.shop.v1.ItemService/GetItem"]));
    assert.match(md, /^3 RPCs in 2 services; 1 implemented\./);
    assert.match(
      md,
      /### atendo\.shop\.v1\.ItemService\n\nItems on sale\.\n\n\| RPC \| REST \| implemented \|/,
    );
    assert.match(md, /\| GetItem \| `GET \/v1\/items\/\{id\}` \| yes \|/);
    assert.match(md, /\| WatchItems \(server stream\) \| `GET \/v1\/items:watch` \| no \|/);
    assert.match(
      md,
      /### atendo\.shop\.v1\.ItemDirectoryService \(internal\)[\s\S]*\| ResolveItem \| internal \| no \|/,
    );
  });

  it("lists every event with its subject, publisher, visibility and meaning", () => {
    const shop = eventsMarkdown(compiled.registry)
      .split("\n")
      .filter((l) => l.includes("atendo.shop."));
    assert.deepEqual(shop, [
      "| `atendo.shop.v1.item_counted` | shop | not marked | stock was counted. |",
      "| `atendo.shop.v1.item_sold` | shop | public | an item was sold. |",
    ]);
  });

  it("writes the error catalogue from the ErrorReason enums, their code option and comments", () => {
    const md = errorsMarkdown(compiled.registry);
    assert.match(md, /^\| reason \| domain \| code \| meaning \|\n\| --- \| --- \| --- \| --- \|\n/);
    assert.match(md, /\n\| `NOT_FOUND` \| atendo\.common\.v1 \| `not_found` \| The resource does not exist/);
    assert.match(
      md,
      /\n\| `SOLD_OUT` \| atendo\.shop\.v1 \| `resource_exhausted` \| The shop sold every item of the kind\. Metadata: `kind`\. \|\n/,
    );
    assert.match(md, /\n\| `ODD` \| atendo\.shop\.v1 \| \? \| Something nobody gave a code\. \|\n/);
  });

  it("calls implemented the RPCs a server hands a handler, not those it only routes", () => {
    const buildServer = (deps: { logger: Logger }) =>
      createServer({
        service: "assistant",
        logger: deps.logger,
        routes: (router) => {
          router.service(KnowledgeService, {
            getKnowledgeBase: () => {
              throw new Error("never called");
            },
          });
          router.service(AssistantService, {});
        },
      });
    assert.deepEqual(
      [...implementedBy(buildServer)],
      ["/atendo.assistant.v1.KnowledgeService/GetKnowledgeBase"],
    );
  });

  it("reads every service's own server", async () => {
    const implemented = await implementedRpcPaths();
    assert.ok(implemented.has("/atendo.tenant.v1.TenantService/GetTenant"));
    assert.ok(implemented.has("/atendo.conversation.v1.ConversationService/ListConversations"));
    assert.ok(
      [...implemented].every((p) => p.startsWith("/atendo.")),
      "only the contracts' RPCs",
    );
  });
});
