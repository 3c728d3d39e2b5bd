import assert from "node:assert/strict";
import { decodePageToken, encodePageToken, pageSizeOf } from "../src/domain/page-token.js";

describe("page tokens", () => {
  it("round-trips the last id and refuses foreign tokens", () => {
    const id = "0196b3a4-7c1e-7000-8000-000000000001";
    assert.equal(decodePageToken(encodePageToken(id)), id);
    assert.equal(decodePageToken("not-a-token"), undefined);
    assert.equal(decodePageToken(Buffer.from('{"after":"x"}').toString("base64url")), undefined);
  });

  it("applies the default page size", () => {
    assert.equal(pageSizeOf(0), 50);
    assert.equal(pageSizeOf(undefined), 50);
    assert.equal(pageSizeOf(7), 7);
  });
});
