import assert from "node:assert/strict";
import { pgJson, pgText } from "../src/index.js";
import { OWNER_URL, withClient } from "./pg-env.js";

describe("pgText and pgJson", () => {
  it("leaves well-formed text without NUL as it is (the same string)", () => {
    const text = "Olá, tudo bem? 👋";
    assert.equal(pgText(text), text);
    assert.equal(pgText(""), "");
  });

  it("turns NUL and lone surrogates into U+FFFD and keeps surrogate pairs", () => {
    assert.equal(pgText("a\u0000b"), "a\uFFFDb");
    assert.equal(pgText("\ud800x\udc00"), "\uFFFDx\uFFFD");
    assert.equal(pgText("\ud83d\udc4b\u0000"), "👋\uFFFD");
  });

  it("cleans every string and key of a JSON value without touching the input", () => {
    const input = { "k\u0000": ["\ud800", 1, null, true, { deep: "x\u0000" }] };
    assert.deepEqual(pgJson(input), { "k\uFFFD": ["\uFFFD", 1, null, true, { deep: "x\uFFFD" }] });
    assert.deepEqual(input, { "k\u0000": ["\ud800", 1, null, true, { deep: "x\u0000" }] });
  });

  it("handles nesting deeper than the stack", () => {
    let nested: unknown = "\u0000";
    for (let i = 0; i < 50_000; i++) nested = [nested];
    let out = pgJson(nested);
    for (let i = 0; i < 50_000; i++) out = (out as unknown[])[0];
    assert.equal(out, "\uFFFD");
  });

  it("makes text and jsonb that Postgres refuses storable", async () => {
    await withClient(OWNER_URL, async (client) => {
      const raw = "Oi\u0000 \ud800";
      await assert.rejects(
        client.query("select $1::text", [raw]),
        /invalid byte sequence for encoding "UTF8": 0x00/,
      );
      await assert.rejects(
        client.query("select $1::jsonb", [JSON.stringify({ t: raw })]),
        /unsupported Unicode escape/,
      );
      const text = await client.query<{ t: string }>("select $1::text as t", [pgText(raw)]);
      assert.equal(text.rows[0]?.t, "Oi\uFFFD \uFFFD");
      const json = await client.query<{ j: { t: string } }>("select $1::jsonb as j", [
        JSON.stringify(pgJson({ t: raw })),
      ]);
      assert.equal(json.rows[0]?.j.t, "Oi\uFFFD \uFFFD");
    });
  });
});
