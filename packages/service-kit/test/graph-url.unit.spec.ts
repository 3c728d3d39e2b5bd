import assert from "node:assert/strict";
import { graphUrl } from "../src/index.js";

describe("graphUrl", () => {
  it("joins base, version and escaped segments, with or without a trailing slash or a base path", () => {
    assert.equal(
      graphUrl("https://graph.facebook.com", "v23.0", "123", "messages").href,
      "https://graph.facebook.com/v23.0/123/messages",
    );
    assert.equal(graphUrl("http://127.0.0.1:7190/", "v23.0", "9").href, "http://127.0.0.1:7190/v23.0/9");
    assert.equal(graphUrl("http://h/graph", "v1.0", "a/b?c").href, "http://h/graph/v1.0/a%2Fb%3Fc");
  });
});
