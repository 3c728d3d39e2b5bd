import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  decodePageToken,
  encodePageToken,
  errorInfoOf,
  filterKey,
  pageOf,
  pageSizeOf,
} from "../src/index.js";

function invalidToken(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.code, Code.InvalidArgument);
    assert.equal(errorInfoOf(e)?.reason, "INVALID_PAGE_TOKEN");
    assert.match(e.rawMessage, pattern);
    return true;
  });
}

describe("paging (AIP-158)", () => {
  it("uses the default for 0 and coerces a size above the maximum to it", () => {
    assert.equal(pageSizeOf(0), 50);
    assert.equal(pageSizeOf(7), 7);
    assert.equal(pageSizeOf(100), 100);
    assert.equal(pageSizeOf(5000), 100);
    assert.equal(pageSizeOf(0, { defaultSize: 20, maxSize: 10 }), 10);
    assert.equal(pageSizeOf(30, { maxSize: 25 }), 25);
  });

  it("binds a token to the list's filters, whatever their order", () => {
    assert.equal(filterKey({ a: 1, b: "x" }), filterKey({ b: "x", a: 1 }));
    assert.notEqual(filterKey({ a: 1 }), filterKey({ a: 2 }));
    const f = filterKey({ workspace: "w" });
    const token = encodePageToken(["2026-12-07T00:00:00Z", "id-1"], f);
    assert.deepEqual(decodePageToken(token, f, 2), ["2026-12-07T00:00:00Z", "id-1"]);
    assert.equal(decodePageToken("", f, 2), undefined);
    invalidToken(() => decodePageToken(token, filterKey({ workspace: "other" }), 2), /other filters/);
  });

  it("refuses a token this list did not return", () => {
    const f = filterKey({});
    for (const bad of ["%%%", "bm90IGpzb24", Buffer.from('{"c":[{}],"f":""}').toString("base64url")]) {
      invalidToken(() => decodePageToken(bad, f, 1), /not a token this list returned/);
    }
    // Another list's token (another arity) is refused too.
    invalidToken(() => decodePageToken(encodePageToken(["a", "b"], f), f, 1), /not a token/);
  });

  it("splits size + 1 rows into a page and the next token", () => {
    const f = filterKey({});
    const rows = [{ id: "a" }, { id: "b" }, { id: "c" }];
    const first = pageOf(rows, 2, f, (r) => [r.id]);
    assert.deepEqual(
      first.items.map((r) => r.id),
      ["a", "b"],
    );
    assert.deepEqual(decodePageToken(first.nextPageToken, f, 1), ["b"]);
    const last = pageOf(rows.slice(2), 2, f, (r) => [r.id]);
    assert.equal(last.nextPageToken, "");
  });
});

describe("etag (AIP-154)", () => {
  it("changes with the resource and refuses a stale one with ETAG_MISMATCH", async () => {
    const { assertEtag, etagOf } = await import("../src/index.js");
    const v1 = etagOf("id-1", 1);
    assert.equal(v1, etagOf("id-1", 1));
    assert.notEqual(v1, etagOf("id-1", 2));
    assert.match(v1, /^W\/"[A-Za-z0-9_-]{16}"$/);
    assertEtag("", v1, "assistant", "id-1");
    assertEtag(v1, v1, "assistant", "id-1");
    assert.throws(
      () => assertEtag(v1, etagOf("id-1", 2), "assistant", "id-1"),
      (e: unknown) =>
        e instanceof ConnectError && e.code === Code.Aborted && errorInfoOf(e)?.reason === "ETAG_MISMATCH",
    );
  });
});
