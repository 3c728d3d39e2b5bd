import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { allPages, codeOf, fixturePath, readFixture, signMeta, uniqueNamespace } from "../src/index.js";

describe("signMeta", () => {
  // The vectors of fixtures/README.md.
  it("matches HMAC-SHA256 test vector 1 (key secret, message test)", () => {
    assert.equal(
      signMeta("secret", "test"),
      "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
    );
  });

  it("matches the empty WhatsApp envelope vector, as string and as bytes", () => {
    const body = '{"object":"whatsapp_business_account","entry":[]}';
    const expected = "sha256=c84a394cc475525991e78ff16e430b02e47f953877d2af0ade26956ce6f384dc";
    assert.equal(signMeta("test-app-secret", body), expected);
    assert.equal(signMeta("test-app-secret", Buffer.from(body)), expected);
  });

  it("matches the vector over the exact bytes of whatsapp/two-text-messages.json", () => {
    assert.equal(
      signMeta("test-app-secret", readFixture("whatsapp/two-text-messages.json")),
      "sha256=06252a8e6a73bb1882f9c0289a386f3ab9cd22d190871736a6be6ce7b254b69d",
    );
  });

  it("changes when the body is re-serialised (why the raw bytes must be signed)", () => {
    const raw = readFixture("whatsapp/two-text-messages.json");
    const reserialised = JSON.stringify(JSON.parse(raw.toString("utf8")));
    assert.notEqual(signMeta("test-app-secret", reserialised), signMeta("test-app-secret", raw));
  });
});

describe("fixtures", () => {
  it("reads the exact bytes, escapes included", () => {
    const bytes = readFixture("whatsapp/two-text-messages.json");
    assert.deepEqual(bytes, readFileSync(fixturePath("whatsapp/two-text-messages.json")));
    assert.ok(bytes.toString("utf8").includes("\\u00"), "non-ASCII stays escaped as Meta sends it");
    const parsed = JSON.parse(bytes.toString("utf8")) as { object: string };
    assert.equal(parsed.object, "whatsapp_business_account");
  });

  it("has every fixture the README lists, as valid JSON", () => {
    const files = [
      "whatsapp/two-text-messages.json",
      "whatsapp/image-with-caption.json",
      "whatsapp/voice-note.json",
      "whatsapp/document.json",
      "whatsapp/location.json",
      "whatsapp/reaction.json",
      "whatsapp/statuses-delivered-read.json",
      "whatsapp/failed-status-and-button-reply.json",
      "instagram/two-messages.json",
      "instagram/echo.json",
      "instagram/image-story-reply.json",
      "instagram/read.json",
    ];
    for (const file of files) {
      const parsed = JSON.parse(readFixture(file).toString("utf8")) as { object?: string };
      assert.ok(parsed.object === "whatsapp_business_account" || parsed.object === "instagram", file);
    }
  });

  it("refuses paths outside the fixtures folder", () => {
    assert.throws(() => fixturePath("../package.json"), /inside the fixtures folder/);
    assert.throws(() => fixturePath("/etc/passwd"), /inside the fixtures folder/);
    assert.throws(() => fixturePath(""), /inside the fixtures folder/);
    assert.throws(() => readFixture("whatsapp/nope.json"), /ENOENT/);
  });
});

describe("uniqueNamespace", () => {
  it("returns short ids safe for NATS names and Redis prefixes, different every time", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uniqueNamespace("ingress")));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^ingress_[0-9a-f]{10}$/);
    assert.match(uniqueNamespace(), /^t_[0-9a-f]{10}$/);
  });

  it("rejects a prefix that would not be a valid stream or subject token", () => {
    assert.throws(() => uniqueNamespace("a.b"), /namespace prefix/);
    assert.throws(() => uniqueNamespace("1abc"), /namespace prefix/);
  });
});

describe("codeOf", () => {
  it("answers ok for a call that succeeds and the Connect code of one that fails", async () => {
    assert.equal(await codeOf(Promise.resolve({})), "ok");
    assert.equal(
      await codeOf(Promise.reject(new ConnectError("no", Code.PermissionDenied))),
      Code.PermissionDenied,
    );
    assert.equal(await codeOf(Promise.reject(new Error("boom"))), Code.Unknown);
  });
});

describe("allPages", () => {
  it("follows next_page_token from an empty token to the end, keeping the order", async () => {
    const tokens: string[] = [];
    const pages: Record<string, { items: number[]; nextPageToken: string }> = {
      "": { items: [1, 2], nextPageToken: "a" },
      a: { items: [3], nextPageToken: "b" },
      b: { items: [], nextPageToken: "" },
    };
    const items = await allPages(async (token) => {
      tokens.push(token);
      const page = pages[token];
      assert.ok(page, `unexpected token ${token}`);
      return page;
    });
    assert.deepEqual(items, [1, 2, 3]);
    assert.deepEqual(tokens, ["", "a", "b"]);
  });

  it("fails on a list that never ends", async () => {
    await assert.rejects(
      allPages(async () => ({ items: [0], nextPageToken: "again" }), 5),
      /after 5 pages/,
    );
  });
});
