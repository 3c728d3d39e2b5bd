import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { parseKeyRing } from "../src/domain/key-ring.js";
import { createSecretBox } from "../src/domain/secret-box.js";

const key = () => randomBytes(32).toString("base64");

describe("secret box (AES-256-GCM over a key ring)", () => {
  it("round-trips with the context it was sealed for, and fails with any other", () => {
    const box = createSecretBox(parseKeyRing(`k1:${key()}`));
    const sealed = box.seal("EAAG-token", "channel-1");
    assert.equal(sealed.keyId, "k1");
    assert.ok(!sealed.ciphertext.includes("EAAG-token"));
    assert.equal(box.open(sealed, "channel-1"), "EAAG-token");
    assert.throws(() => box.open(sealed, "channel-2"), /do not authenticate/);
  });

  it("detects tampering", () => {
    const box = createSecretBox(parseKeyRing(`k1:${key()}`));
    const sealed = box.seal("secret", "ctx");
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
    assert.throws(() => box.open({ keyId: "k1", ciphertext: flipped }, "ctx"), /do not authenticate/);
  });

  it("uses a fresh IV each time", () => {
    const box = createSecretBox(parseKeyRing(`k1:${key()}`));
    assert.notDeepEqual(box.seal("same", "ctx").ciphertext, box.seal("same", "ctx").ciphertext);
  });

  it("seals with the first key and opens with any key of the ring", () => {
    const old = `old:${key()}`;
    const sealedOld = createSecretBox(parseKeyRing(old)).seal("v", "ctx");
    const rotated = createSecretBox(parseKeyRing(`new:${key()},${old}`));
    assert.equal(rotated.open(sealedOld, "ctx"), "v");
    assert.equal(rotated.seal("v", "ctx").keyId, "new");
    assert.throws(() => createSecretBox(parseKeyRing(`new:${key()}`)).open(sealedOld, "ctx"), /"old"/);
  });

  it("rejects malformed key rings without echoing key material", () => {
    const short = randomBytes(16).toString("base64");
    const cases: Array<[string, RegExp]> = [
      [`k1:${short}`, /key "k1" decodes to 16 bytes/],
      [`k1 ${key()}`, /entry 1 is not/],
      [`bad id!:${key()}`, /entry 1 has an invalid key id/],
      [`k1:${key()},k1:${key()}`, /"k1" is listed twice/],
      ["k1:not base64!!", /key "k1" is not base64/],
    ];
    for (const [spec, expected] of cases) {
      assert.throws(
        () => parseKeyRing(spec),
        (err: Error) => expected.test(err.message) && !err.message.includes(spec.split(":")[1] ?? spec),
      );
    }
  });

  it("never shows key material when the ring is logged or serialised", () => {
    const material = key();
    const ring = parseKeyRing(`k1:${material}`);
    assert.equal(JSON.stringify({ ring }), '{"ring":"[key ring: k1]"}');
    assert.ok(!inspect(ring).includes(material));
  });
});
